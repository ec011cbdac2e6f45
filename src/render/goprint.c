/* goprint.c — the runtime's print formatting (see goprint.h). */
#include "render/goprint.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Go 1.19–1.25 printfloat, statement for statement: the same float64 operations give the same
 * digits (amd64 SSE arithmetic, no contraction). */
static void print_float_old(struct gp_tout *out, double v)
{
	if (v != v) {
		tout_lit(out, "NaN");
		return;
	}
	if (v + v == v && v > 0) {
		tout_lit(out, "+Inf");
		return;
	}
	if (v + v == v && v < 0) {
		tout_lit(out, "-Inf");
		return;
	}
	enum { N = 7 };
	char buf[N + 7];
	buf[0] = '+';
	int e = 0;
	if (v == 0) {
		if (signbit(v))
			buf[0] = '-';
	} else {
		if (v < 0) {
			v = -v;
			buf[0] = '-';
		}
		while (v >= 10) {
			e++;
			v /= 10;
		}
		while (v < 1) {
			e--;
			v *= 10;
		}
		volatile double h = 5.0;
		for (int i = 0; i < N; i++)
			h /= 10;
		v += h;
		if (v >= 10) {
			e++;
			v /= 10;
		}
	}
	for (int i = 0; i < N; i++) {
		int s = (int)v;
		buf[i + 2] = (char)(s + '0');
		v -= (double)s;
		v *= 10;
	}
	buf[1] = buf[2];
	buf[2] = '.';
	buf[N + 2] = 'e';
	buf[N + 3] = '+';
	if (e < 0) {
		e = -e;
		buf[N + 3] = '-';
	}
	buf[N + 4] = (char)(e / 100 + '0');
	buf[N + 5] = (char)(e / 10 % 10 + '0');
	buf[N + 6] = (char)(e % 10 + '0');
	tout_mem(out, buf, sizeof(buf));
}

void gp_shortest_digits(double v, int bits, char *digits, int *nd, int *dp)
{
	char buf[64];
	v = fabs(v);
	int maxp = bits == 32 ? 9 : 17;
	for (int p = 1; p <= maxp; p++) {
		snprintf(buf, sizeof(buf), "%.*e", p - 1, v);
		int back = bits == 32 ? (strtof(buf, NULL) == (float)v) : (strtod(buf, NULL) == v);
		if (back || p == maxp)
			break;
	}
	/* buf is "d.ddde±XX" */
	int n = 0;
	for (const char *c = buf; *c && *c != 'e'; c++)
		if (*c >= '0' && *c <= '9')
			digits[n++] = *c;
	int exp = atoi(strchr(buf, 'e') + 1);
	while (n > 1 && digits[n - 1] == '0')
		n--;
	*nd = n;
	*dp = exp + 1;
}

/* strconv.AppendFloat(dst, v, 'g', -1, bits) */
static void print_float_g(struct gp_tout *out, double v, int bits)
{
	if (isnan(v)) {
		tout_lit(out, "NaN");
		return;
	}
	if (isinf(v)) {
		tout_str(out, v < 0 ? "-Inf" : "+Inf");
		return;
	}
	if (signbit(v))
		tout_char(out, '-');
	char d[20];
	int nd = 0, dp = 0;
	if (v != 0)
		gp_shortest_digits(v, bits, d, &nd, &dp);
	/* fmtEFG, shortest: %e when the exponent is < -4 or >= 6 (eprec = 6) */
	int exp = dp - 1;
	if (nd > 0 && (exp < -4 || exp >= 6)) {
		tout_char(out, d[0]);
		if (nd > 1) {
			tout_char(out, '.');
			tout_mem(out, d + 1, (size_t)nd - 1);
		}
		tout_char(out, 'e');
		tout_char(out, exp < 0 ? '-' : '+');
		int x = exp < 0 ? -exp : exp;
		if (x >= 100)
			tout_char(out, (char)('0' + x / 100));
		tout_char(out, (char)('0' + x / 10 % 10));
		tout_char(out, (char)('0' + x % 10));
		return;
	}
	/* %f with prec = max(nd - dp, 0) */
	if (dp > 0) {
		int m = nd < dp ? nd : dp;
		tout_mem(out, d, (size_t)m);
		for (int i = m; i < dp; i++)
			tout_char(out, '0');
	} else {
		tout_char(out, '0');
	}
	int prec = nd - dp > 0 ? nd - dp : 0;
	if (prec > 0) {
		tout_char(out, '.');
		for (int i = 0; i < prec; i++) {
			int k = dp + i;
			tout_char(out, k >= 0 && k < nd ? d[k] : '0');
		}
	}
}

void gp_print_float(struct gp_tout *out, double v, int bits, int go_minor)
{
	if (go_minor >= 26)
		print_float_g(out, v, bits);
	else
		print_float_old(out, v);
}

void gp_print_complex(struct gp_tout *out, double re, double im, int bits, int go_minor)
{
	int fb = bits == 64 ? 32 : 64;
	tout_char(out, '(');
	if (go_minor >= 26) {
		print_float_g(out, re, fb);
		if (!signbit(im) && !isnan(im))
			tout_char(out, '+'); /* AppendComplex adds a sign the imaginary part lacks */
		print_float_g(out, im, fb);
	} else {
		print_float_old(out, re);
		print_float_old(out, im);
	}
	tout_lit(out, "i)");
}

uint32_t gp_utf8_rune(const unsigned char **p, const unsigned char *end)
{
	const unsigned char *s = *p;
	uint32_t c = s[0];
	int n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
	if (n == 0 || s + n > end) {
		*p = s + 1;
		return 0xfffd;
	}
	uint32_t r = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*p = s + 1;
			return 0xfffd;
		}
		r = (r << 6) | (s[i] & 0x3f);
	}
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	if (r < min[n] || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) {
		*p = s + 1;
		return 0xfffd;
	}
	*p = s + n;
	return r;
}

static void hexdigits(struct gp_tout *out, uint32_t v, int digits)
{
	for (int i = digits - 1; i >= 0; i--)
		tout_char(out, "0123456789abcdef"[(v >> (4 * i)) & 15]);
}

void gp_print_quoted(struct gp_tout *out, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + n;
	tout_char(out, '"');
	while (s < end) {
		uint32_t r = gp_utf8_rune(&s, end);
		if (r == '\n')
			tout_lit(out, "\\n");
		else if (r == '\r')
			tout_lit(out, "\\r");
		else if (r == '\t')
			tout_lit(out, "\\t");
		else if (r == '\\' || r == '"') {
			tout_char(out, '\\');
			tout_char(out, (char)r);
		} else if (r >= ' ' && r <= '~')
			tout_char(out, (char)r);
		else if (r < 127) {
			tout_lit(out, "\\x");
			hexdigits(out, r, 2);
		} else if (r < 0x10000) {
			tout_lit(out, "\\u");
			hexdigits(out, r, 4);
		} else {
			tout_lit(out, "\\U");
			hexdigits(out, r, 8);
		}
	}
	tout_char(out, '"');
}

void gp_print_indented(struct gp_tout *out, const char *s, size_t n)
{
	const char *end = s + n;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			break;
		tout_mem(out, s, (size_t)(nl + 1 - s));
		tout_char(out, '\t');
		s = nl + 1;
	}
	tout_mem(out, s, (size_t)(end - s));
}
