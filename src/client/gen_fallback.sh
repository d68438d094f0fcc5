#!/bin/sh
# Turn the KeoChat app-defaults file into C string literals (fallback.h),
# so the compiled-in fallbacks and the installed file cannot drift apart.
sed -e '/^!/d' -e '/^[[:space:]]*$/d' -e 's/\\/\\\\/g' -e 's/"/\\"/g' \
    -e 's/^/	"/' -e 's/$/",/' "$1"
