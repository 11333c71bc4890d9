/* colonies_json_format: JSON text from a format and C values. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "colonies/json.h"
#include "internal.h"

static int add_number(cl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int add_number(cl_buf *b, const char *fmt, ...)
{
    char digits[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(digits, sizeof digits, fmt, ap);
    va_end(ap);
    return cl_buf_str(b, digits);
}

static int format(cl_buf *b, const char *f, va_list ap)
{
    for (; *f; f++) {
        if (*f != '%') {
            cl_buf_add(b, f, 1);
            continue;
        }
        f++;
        if (*f == '%') {
            cl_buf_add(b, "%", 1);
        } else if (*f == 's') {
            const char *s = va_arg(ap, const char *);
            if (s)
                cl_buf_json_string(b, s);
            else
                cl_buf_str(b, "null");
        } else if (*f == 'J') {
            const char *s = va_arg(ap, const char *);
            cl_buf_str(b, s ? s : "null");
        } else if (*f == 'd') {
            add_number(b, "%d", va_arg(ap, int));
        } else if (f[0] == 'l' && f[1] == 'd') {
            add_number(b, "%ld", va_arg(ap, long));
            f++;
        } else if (f[0] == 'l' && f[1] == 'l' && f[2] == 'd') {
            add_number(b, "%lld", va_arg(ap, long long));
            f += 2;
        } else if (f[0] == 'z' && f[1] == 'u') {
            add_number(b, "%zu", va_arg(ap, size_t));
            f++;
        } else if (*f == 'g') {
            double d = va_arg(ap, double);
            if (!isfinite(d)) return cl_fail(COLONIES_EINVAL, "format: %%g of a number that is not finite");
            add_number(b, "%.17g", d);
        } else if (*f == 'b') {
            cl_buf_str(b, va_arg(ap, int) ? "true" : "false");
        } else {
            return cl_fail(COLONIES_EINVAL, "format: unknown conversion %%%.1s", *f ? f : "");
        }
        if (!*f) break;
    }
    return b->failed ? cl_fail(COLONIES_ENOMEM, "out of memory") : COLONIES_OK;
}

int cl_json_vformat(char **out_json, const char *fmt, va_list ap)
{
    CL_CHECK_OUT(out_json);
    if (fmt == NULL) return cl_fail(COLONIES_EINVAL, "format is NULL");
    cl_buf b = {0};
    int rc = format(&b, fmt, ap);
    if (rc == 0) rc = cl_buf_str(&b, "");
    cJSON *check = NULL;
    if (rc == 0) rc = cl_json_parse(&check, b.data, 0, "formatted JSON");
    cJSON_Delete(check);
    if (rc) {
        free(b.data);
        return rc;
    }
    *out_json = b.data;
    return COLONIES_OK;
}

colonies_status colonies_json_format(char **out_json, const char *fmt, ...)
{
    cl_clear_error();
    va_list ap;
    va_start(ap, fmt);
    int rc = cl_json_vformat(out_json, fmt, ap);
    va_end(ap);
    return rc;
}
