/* Python typemaps for colonies.i. */

%begin %{
#define PY_SSIZE_T_CLEAN
%}

%{
/*
 * Raises the exception for a non-zero status through colonies._status, the
 * one place that maps codes to the exception classes of colonies.errors.
 * Called with the GIL held, on the thread that made the call, so the
 * per-thread detail is the call's own.
 */
static void colonies_py_raise_detail(int code, const char *detail, int http_status)
{
    static PyObject *raise_fn;
    if (raise_fn == NULL) {
        PyObject *mod = PyImport_ImportModule("colonies._status");
        if (mod == NULL) return;
        raise_fn = PyObject_GetAttrString(mod, "raise_status");
        Py_DECREF(mod);
        if (raise_fn == NULL) return;
    }
    PyObject *text = PyUnicode_DecodeUTF8(detail, (Py_ssize_t)strlen(detail), "replace");
    if (text == NULL) return;
    PyObject *r = PyObject_CallFunction(raise_fn, "iOi", code, text, http_status);
    Py_DECREF(text);
    Py_XDECREF(r);
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_RuntimeError, detail);
}

static void colonies_py_raise(int code)
{
    colonies_py_raise_detail(code, colonies_last_error(), colonies_last_http_status());
}
%}

/*
 * The module is built for the stable ABI of Python 3.8 and later (abi3,
 * Py_LIMITED_API), so these typemaps use only its functions.
 */

/* Message bytes: any bytes-like object (copied, as the GIL is let go meanwhile), or a str taken as UTF-8. */
%typemap(in) (const char *msg, size_t msg_len) (PyObject *msgbytes = NULL) {
    char *p = NULL;
    Py_ssize_t n = 0;
    msgbytes = PyUnicode_Check($input) ? PyUnicode_AsUTF8String($input) : PyBytes_FromObject($input);
    if (msgbytes == NULL) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "msg must be str or bytes, not %R", (PyObject *)Py_TYPE($input));
        }
        SWIG_fail;
    }
    if (PyBytes_AsStringAndSize(msgbytes, &p, &n) < 0) SWIG_fail;
    $1 = p;
    $2 = (size_t)n;
}
%typemap(freearg) (const char *msg, size_t msg_len) %{ Py_XDECREF(msgbytes$argnum); %}

/*
 * Strings in: str (or None for NULL), as UTF-8. A C string ends at its first
 * NUL, so a str holding one would reach the core cut short: it is refused
 * instead.
 */
%typemap(in) const char * (PyObject *utf8 = NULL) {
    if ($input == Py_None) {
        $1 = NULL;
    } else if (PyUnicode_Check($input)) {
        char *p = NULL;
        Py_ssize_t n = 0;
        utf8 = PyUnicode_AsUTF8String($input);
        if (utf8 == NULL || PyBytes_AsStringAndSize(utf8, &p, &n) < 0) SWIG_fail;
        if (strlen(p) != (size_t)n) {
            colonies_py_raise_detail(COLONIES_EINVAL, "$1_name holds a NUL character", 0);
            SWIG_fail;
        }
        $1 = p;
    } else {
        PyErr_Format(PyExc_TypeError, "$1_name must be str, not %R", (PyObject *)Py_TYPE($input));
        SWIG_fail;
    }
}
%typemap(freearg) const char * %{ Py_XDECREF(utf8$argnum); %}
/* Private keys, and options that may hold them (and S3 secrets): the UTF-8
 * copy made for the call is wiped before it is let go, when it is the call's
 * alone (CPython shares the bytes objects of one character and of none). */
%typemap(freearg) const char *prvkey, const char *options_json %{
    if (utf8$argnum != NULL) {
        char *p = NULL;
        Py_ssize_t n = 0;
        if (Py_REFCNT(utf8$argnum) == 1 && PyBytes_AsStringAndSize(utf8$argnum, &p, &n) == 0 && p != NULL) {
            volatile char *v = p;
            for (Py_ssize_t i = 0; i < n; i++) v[i] = 0;
        }
        Py_DECREF(utf8$argnum);
    }
%}
%typemap(typecheck) const char * %{ $1 = $input == Py_None || PyUnicode_Check($input); %}

/* Strings out of the library (texts, versions, the registry): decoded leniently. */
%typemap(out) const char * %{
    $result = $1 ? PyUnicode_DecodeUTF8($1, (Py_ssize_t)strlen($1), "replace") : SWIG_Py_Void();
%}

/* Output strings. */
%typemap(in, numinputs=0) char ** (char *tmp = NULL) %{ $1 = &tmp; %}
%typemap(argout) char ** {
    PyObject *s;
    if (*$1 == NULL) {
        s = Py_None;
        Py_INCREF(s);
    } else {
        s = PyUnicode_DecodeUTF8(*$1, (Py_ssize_t)strlen(*$1), "surrogateescape");
    }
    colonies_free(*$1);
    *$1 = NULL;
    if (s == NULL) SWIG_fail;
    /* 1: the status is no result of its own (SWIG 4.3 and later ask). */
    $result = SWIG_Python_AppendOutput($result, s, 1);
}
%typemap(freearg) char ** %{ colonies_free(*$1); %}

/* New handles. */
%define COLONIES_PY_HANDLE_OUT(TYPE)
%typemap(in, numinputs=0) TYPE **out (TYPE *tmp = NULL) %{ $1 = &tmp; %}
%typemap(argout) TYPE **out %{
    $result = SWIG_Python_AppendOutput($result, SWIG_NewPointerObj(*$1, $descriptor(TYPE *), 0), 1);
%}
%enddef
COLONIES_PY_HANDLE_OUT(colonies_client)
COLONIES_PY_HANDLE_OUT(colonies_cancel)
COLONIES_PY_HANDLE_OUT(colonies_call)
COLONIES_PY_HANDLE_OUT(colonies_subscription)
COLONIES_PY_HANDLE_OUT(colonies_executor)

/*
 * Every call releases the GIL around it (calls may block on the network), and
 * a status other than COLONIES_OK raises. A status of 0 is dropped from the
 * Python result.
 */
%exception {
    Py_BEGIN_ALLOW_THREADS
    $action
    Py_END_ALLOW_THREADS
}
%typemap(out) colonies_status %{
    if ($1 != COLONIES_OK) {
        colonies_py_raise($1);
        SWIG_fail;
    }
    $result = SWIG_Py_Void();
%}
%noexception colonies_last_error;
%noexception colonies_last_http_status;
%noexception colonies_strerror;
%noexception colonies_version;
%noexception colonies_registry;
%noexception colonies_cancel_fired;
/* Quick calls that never block: no need to give up the GIL. */
%noexception colonies_call_fd;
%noexception colonies_subscription_fd;
