/*
 * unit.h -- what every cmocka test program includes.
 */
#ifndef KEO_UNIT_H
#define KEO_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#endif
