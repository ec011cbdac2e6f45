/* goprint.h — the Go runtime's own print formatting (runtime/print.go), for text that must match
 * what the runtime printed byte for byte: floats and complex numbers in both of its formats (Go
 * 1.19–1.25: "+1.500000e+000", seven digits computed with the runtime's float64 arithmetic; Go 1.26+:
 * strconv's shortest 'g' form, "1.5"), printquoted, and printindented (the panic value's newlines
 * followed by a tab, Go 1.23+). Integers and hex are tout_dec/tout_hex (render/textout.h).
 */
#ifndef GOPSY_RENDER_GOPRINT_H
#define GOPSY_RENDER_GOPRINT_H

#include <stddef.h>
#include <stdint.h>

#include "render/textout.h"

/* print(v) for a float64 (bits 64) or a float32 (bits 32, v converted exactly) in Go 1.go_minor. */
void gp_print_float(struct gp_tout *out, double v, int bits, int go_minor);
/* print(c) for a complex128 (bits 128) or complex64 (bits 64). */
void gp_print_complex(struct gp_tout *out, double re, double im, int bits, int go_minor);
/* runtime.printquoted (Go 1.26+): "..." with \n \r \t \\ \" escaped, other non-printable runes as
 * \xHH, \uHHHH or \UHHHHHHHH. */
void gp_print_quoted(struct gp_tout *out, const char *s, size_t n);
/* runtime.printindented: s with a tab after every newline. */
void gp_print_indented(struct gp_tout *out, const char *s, size_t n);

/* One UTF-8 rune at *p (< end), advancing *p; invalid bytes give U+FFFD and advance one byte, as
 * Go's range over a string does. */
uint32_t gp_utf8_rune(const unsigned char **p, const unsigned char *end);

/* The shortest decimal digits that read back as v (as strconv's shortest mode finds them): writes
 * nd digits to digits (room for 17) and sets *dp, the decimal point position (value = 0.d1d2... ×
 * 10^dp). v must be finite and non-zero. */
void gp_shortest_digits(double v, int bits, char *digits, int *nd, int *dp);

#endif
