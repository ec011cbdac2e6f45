/* model.c — names of the model's enums (see model.h). */
#include "model/model.h"

const char *gp_dline_kind_name(enum gp_dline_kind k)
{
	static const char *const names[] = {"blank", "panic", "fatal", "signal", "sighdr", "pcline",
					    "register", "separator", "runtime", "profile", "text"};
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}
