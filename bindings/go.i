/*
 * Go typemaps for colonies.i. The generated package, go/internal/capi (made
 * by `go generate ./internal/capi` in go/), is internal to the Go module; the
 * idiomatic API in go/ is its only caller, so these typemaps aim at a small,
 * panic-free surface:
 *
 *   char **out_*           *string; the library's string is copied into Go
 *                          memory and released with colonies_free() inside
 *                          the wrapper. A NULL output leaves the string "".
 *   colonies_client *, colonies_cancel *, colonies_call *,
 *   colonies_subscription *
 *                          uintptr, an opaque C pointer the Go side never
 *                          dereferences
 *   colonies_client **out, ... **out
 *                          *uintptr, receiving the new handle
 *   colonies_status        a Go int
 *   const char *prvkey     of colonies_client_send, colonies_client_call and
 *                          their _start forms: "" is passed as NULL,
 *                          the core's spelling of an unsigned request
 *   statuses               the idiomatic layer reads colonies_last_error()
 *                          on the same OS thread
 */

/*
 * Strings from C. The C wrapper copies the library's string into a malloc'd
 * buffer, so an output is released by the library's own free function inside
 * the wrapper; the Go wrapper then copies that buffer into Go memory, wipes
 * it, since outputs can be private keys, and frees it. A NULL string, or a
 * copy that could not be allocated, arrives as "".
 */
%fragment("ColoniesGoString", "runtime") %{
static _gostring_ colonies_go_string(const char *s) {
  _gostring_ r;
  size_t n = s != NULL ? strlen(s) : 0;
  r.p = n > 0 ? (char *)malloc(n) : NULL;
  r.n = 0;
  if (r.p != NULL) {
    memcpy(r.p, s, n);
    r.n = (intgo)n;
  }
  return r;
}
%}

%fragment("ColoniesTakeString", "go_runtime") %{
// coloniesTakeString copies a string the C wrapper allocated into Go memory,
// wipes the C copy and frees it. s is that C string seen through a Go string
// header, so its bytes are C memory.
func coloniesTakeString(s string) string {
	if len(s) == 0 {
		return ""
	}
	p := unsafe.StringData(s)
	b := unsafe.Slice(p, len(s))
	r := string(b)
	clear(b)
	Swig_free(uintptr(unsafe.Pointer(p)))
	return r
}
%}

/*
 * Output parameters. C writes only into a fresh temporary that goin creates,
 * never into the caller's string: cgo forbids passing C a pointer to Go
 * memory that itself holds a Go pointer, which a non-empty caller string would.
 */
%typemap(gotype) char ** "*string"
%typemap(imtype) char ** "*string"
%typemap(goin) char ** %{
	var $1_tmp string
	$result = &$1_tmp
%}
%typemap(in) char ** (char *tmp = NULL) %{ $1 = &tmp; %}
%typemap(argout, fragment="ColoniesGoString") char ** %{ *$input = colonies_go_string(*$1); %}
%typemap(freearg) char ** %{ colonies_free(*$1); %}
%typemap(goargout, fragment="ColoniesTakeString") char ** %{
	if $1 != nil {
		*$1 = coloniesTakeString(*$input)
	}
%}

/* Static strings returned by the library (strerror, last error, version). */
%typemap(out, fragment="ColoniesGoString") const char * %{ $result = colonies_go_string($1); %}
%typemap(goout, fragment="ColoniesTakeString") const char * %{ $result = coloniesTakeString($1) %}

/* Handles, as opaque pointer-sized integers. */
%define COLONIES_GO_HANDLE(TYPE)
%typemap(gotype) TYPE * "uintptr"
%typemap(imtype) TYPE * "uintptr"
%typemap(in) TYPE * %{ $1 = (TYPE *)$input; %}
%typemap(gotype) const TYPE * "uintptr"
%typemap(imtype) const TYPE * "uintptr"
%typemap(in) const TYPE * %{ $1 = ($1_ltype)$input; %}
/* A *uintptr holds no Go pointer, so C may write the handle straight into it. */
%typemap(gotype) TYPE **out "*uintptr"
%typemap(imtype) TYPE **out "*uintptr"
%typemap(in) TYPE **out (TYPE *tmp = NULL) %{ $1 = &tmp; %}
%typemap(argout) TYPE **out %{ if ($input != NULL) *$input = *$1; %}
%enddef
COLONIES_GO_HANDLE(colonies_client)
COLONIES_GO_HANDLE(colonies_cancel)
COLONIES_GO_HANDLE(colonies_call)
COLONIES_GO_HANDLE(colonies_subscription)
COLONIES_GO_HANDLE(colonies_executor)

/* Statuses, as plain Go ints. */
%typemap(gotype) colonies_status "int"
%typemap(imtype) colonies_status "int"
%typemap(out) colonies_status %{ $result = (intgo)$1; %}
%typemap(goout) colonies_status %{ $result = $1 %}

/*
 * Private keys: the wrapper's NUL-terminated copy is wiped before it is freed,
 * as the library wipes its own. In colonies_client_send, colonies_client_call
 * and their _start and _prepare forms, where NULL means an unsigned request
 * (versionmsg, getserverinfomsg), "" stands for NULL; every other call
 * passes "" through, so an empty key is refused as a bad key. If the copy cannot be allocated,
 * the key becomes "" (refused), never NULL, which would silently turn a
 * signed request into an unsigned one.
 */
%fragment("ColoniesNoKey", "runtime") %{
static char colonies_go_nokey[1];
%}
%typemap(in, fragment="ColoniesNoKey") const char *prvkey %{
	if ($input.n == 0 && (strcmp("$symname", "colonies_client_send") == 0 ||
	                      strcmp("$symname", "colonies_client_send_start") == 0 ||
	                      strcmp("$symname", "colonies_client_call") == 0 ||
	                      strcmp("$symname", "colonies_client_call_start") == 0 ||
	                      strcmp("$symname", "colonies_client_call_prepare") == 0)) {
		$1 = NULL;
	} else {
		$1 = (char *)malloc($input.n + 1);
		if ($1 != NULL) {
			memcpy($1, $input.p, $input.n);
			$1[$input.n] = '\0';
		} else {
			$1 = colonies_go_nokey;
		}
	}
%}
%typemap(freearg) const char *prvkey %{
	if ($1 != NULL && $1 != colonies_go_nokey) {
		volatile char *p = (volatile char *)$1;
		size_t i;
		for (i = 0; p[i] != '\0'; i++) p[i] = 0;
		free($1);
	}
%}

/* Options may hold private keys and S3 secrets: their copy is wiped too. */
%typemap(freearg) const char *options_json %{
	if ($1 != NULL) {
		volatile char *p = (volatile char *)$1;
		size_t i;
		for (i = 0; p[i] != '\0'; i++) p[i] = 0;
		free($1);
	}
%}

/*
 * Optional strings: "" is passed as NULL, the core's "not given". For
 * colonies_workflow_add's nodename (the spec's own) and dependencies_json
 * (the spec's own dependencies). A copy that cannot be allocated becomes ""
 * (refused by the core), never NULL, which would silently mean "not given".
 */
%typemap(in, fragment="ColoniesNoKey") (const char *nodename), (const char *dependencies_json) %{
	$1 = NULL;
	if ($input.n > 0) {
		$1 = (char *)malloc($input.n + 1);
		if ($1 != NULL) {
			memcpy($1, $input.p, $input.n);
			$1[$input.n] = '\0';
		} else {
			$1 = colonies_go_nokey;
		}
	}
%}
%typemap(freearg) (const char *nodename), (const char *dependencies_json) %{
	if ($1 != colonies_go_nokey) free($1);
%}
