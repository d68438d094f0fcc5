/*
 * tlsfile.c -- see tlsfile.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tlsfile.h"

#define CERT_DAYS	3650

void
tlsfile_errors(char *buf, size_t bufsz)
{
	unsigned long e;
	size_t n = 0;

	buf[0] = '\0';
	while ((e = ERR_get_error()) != 0) {
		char one[256];
		if (ERR_reason_error_string(e) != NULL)
			snprintf(one, sizeof(one), "%s",
			    ERR_reason_error_string(e));
		else
			ERR_error_string_n(e, one, sizeof(one));
		if (n < bufsz)
			n += (size_t)snprintf(buf + n, bufsz - n, "%s%s",
			    n ? "; " : "", one);
	}
	if (buf[0] == '\0')
		snprintf(buf, bufsz, "%s", errno ? strerror(errno) :
		    "unknown error");
}

void
tlsfile_paths(const struct config *cfg, const char *state_dir,
    char cert[CONF_FILE_MAX + 32], char key[CONF_FILE_MAX + 32])
{
	if (cfg->tls_cert[0] != '\0') {
		snprintf(cert, CONF_FILE_MAX + 32, "%s", cfg->tls_cert);
		snprintf(key, CONF_FILE_MAX + 32, "%s", cfg->tls_key[0] ?
		    cfg->tls_key : cfg->tls_cert);
		return;
	}
	snprintf(cert, CONF_FILE_MAX + 32, "%s/tls-cert.pem", state_dir);
	snprintf(key, CONF_FILE_MAX + 32, "%s/tls-key.pem", state_dir);
}

void
tlsfile_hex(const uint8_t md[32], char fp[TLS_FP_HEX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < 32; i++) {
		fp[2 * i] = hex[md[i] >> 4];
		fp[2 * i + 1] = hex[md[i] & 15];
	}
	fp[64] = '\0';
}

int
tlsfile_fingerprint(X509 *x, char fp[TLS_FP_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	fp[0] = '\0';
	if (x == NULL || X509_digest(x, EVP_sha256(), md, &n) != 1 || n != 32)
		return -1;
	tlsfile_hex(md, fp);
	return 0;
}

/* Accept any client certificate: it is not a proof of anything but its
 * own fingerprint, which SASL EXTERNAL and WHOIS use. */
static int
accept_any(int ok, X509_STORE_CTX *x)
{
	(void)ok;
	(void)x;
	return 1;
}

/* Is the file there and readable?  A clearer message than OpenSSL's. */
static int
readable(const char *what, const char *path, char *err, size_t errsz)
{
	if (access(path, R_OK) == 0)
		return 0;
	snprintf(err, errsz, "%s %s: %s", what, path, strerror(errno));
	return -1;
}

SSL_CTX *
tlsfile_server_ctx(const struct config *cfg, const char *cert,
    const char *key, char fp[TLS_FP_HEX], char *err, size_t errsz)
{
	SSL_CTX *ctx;
	char why[512];

	ERR_clear_error();
	if (readable("tls-cert", cert, err, errsz) == -1 ||
	    readable("tls-key", key, err, errsz) == -1)
		return NULL;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		tlsfile_errors(why, sizeof(why));
		snprintf(err, errsz, "TLS context: %s", why);
		return NULL;
	}
	(void)SSL_CTX_set_min_proto_version(ctx, cfg->tls_min_version ==
	    CONF_TLS_1_3 ? TLS1_3_VERSION : TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION |
	    SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* idle links give their record buffers back; one write per 16 KiB
	 * record; a write retried from a moved (spilled) buffer is fine */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS |
	    SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* no server-side session cache (memory); TLS 1.3 tickets still let
	 * clients resume, statelessly */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any);
	/* asking for client certificates needs a session id context, or
	 * a client that resumes fails its handshake */
	(void)SSL_CTX_set_session_id_context(ctx, (const unsigned char *)
	    "keochatd", 8);
	if (SSL_CTX_set_cipher_list(ctx, cfg->tls_ciphers) != 1) {
		snprintf(err, errsz, "tls-ciphers '%s': no usable cipher",
		    cfg->tls_ciphers);
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		tlsfile_errors(why, sizeof(why));
		snprintf(err, errsz, "tls-cert %s: not a PEM certificate "
		    "chain (%s)", cert, why);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		tlsfile_errors(why, sizeof(why));
		snprintf(err, errsz, "tls-key %s: not a PEM private key (%s)",
		    key, why);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tlsfile_errors(why, sizeof(why));
		snprintf(err, errsz, "tls-key %s does not match tls-cert %s "
		    "(%s)", key, cert, why);
		goto fail;
	}
	if (tlsfile_fingerprint(SSL_CTX_get0_certificate(ctx), fp) == -1) {
		snprintf(err, errsz, "tls-cert %s: cannot take its "
		    "fingerprint", cert);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return NULL;
}

/* Write one PEM file through a temporary name, fsync'd, then renamed. */
static int
write_pem(const char *path, mode_t mode, EVP_PKEY *pkey, X509 *x, char *err,
    size_t errsz)
{
	char tmp[CONF_FILE_MAX + 48];
	FILE *f;
	int fd, ok;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >= sizeof(tmp)) {
		snprintf(err, errsz, "%s: path too long", path);
		return -1;
	}
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) ==
	    -1) {
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		(void)close(fd);
		(void)unlink(tmp);
		return -1;
	}
	ok = pkey != NULL ? PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL,
	    NULL) : PEM_write_X509(f, x);
	ok = ok == 1 && fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok || rename(tmp, path) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno ? errno :
		    EIO));
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

static int
add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *e;
	int ok;

	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	if ((e = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
		return -1;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok == 1 ? 0 : -1;
}

int
tlsfile_selfsigned(const char *cert, const char *key, const char *server_name,
    char *err, size_t errsz)
{
	EVP_PKEY *pkey = NULL;
	X509 *x = NULL;
	X509_NAME *name;
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	char san[160], why[256];
	int rc = -1;

	if (access(cert, F_OK) == 0 && access(key, F_OK) == 0)
		return 0;
	ERR_clear_error();
	if ((pkey = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL ||
	    RAND_bytes(serial, sizeof(serial)) != 1)
		goto ossl;
	serial[0] &= 0x7f;	/* a positive serial number */
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
	    X509_set_version(x, 2) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), CERT_DAYS, 0, NULL) ==
	    NULL || X509_set_pubkey(x, pkey) != 1)
		goto ossl;
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"keochatd", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)server_name, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1)
		goto ossl;
	snprintf(san, sizeof(san), "DNS:%s,DNS:localhost,IP:127.0.0.1,IP:::1",
	    server_name);
	if (add_ext(x, NID_basic_constraints, "critical,CA:FALSE") == -1 ||
	    add_ext(x, NID_key_usage, "critical,digitalSignature") == -1 ||
	    add_ext(x, NID_ext_key_usage, "serverAuth") == -1 ||
	    add_ext(x, NID_subject_alt_name, san) == -1 ||
	    add_ext(x, NID_subject_key_identifier, "hash") == -1 ||
	    X509_sign(x, pkey, EVP_sha256()) == 0)
		goto ossl;
	/* the key first: a certificate without its key is remade next time */
	if (write_pem(key, 0600, pkey, NULL, err, errsz) == -1 ||
	    write_pem(cert, 0644, NULL, x, err, errsz) == -1)
		goto out;
	rc = 1;
	goto out;
ossl:
	tlsfile_errors(why, sizeof(why));
	snprintf(err, errsz, "cannot make a self-signed certificate: %s", why);
out:
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(pkey);
	return rc;
}
