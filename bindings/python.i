/* Python typemaps for colonies.i. */

%begin %{
#define PY_SSIZE_T_CLEAN
%}

%{
/*
 * Raises the exception for a non-zero status through colonies.errors, the one
 * table from codes to exception classes. Called with the GIL held, on the
 * thread that made the call, so the per-thread detail is the call's own.
 */
static void colonies_py_raise(int code)
{
    static PyObject *raise_fn;
    if (raise_fn == NULL) {
        PyObject *mod = PyImport_ImportModule("colonies.errors");
        if (mod == NULL) return;
        raise_fn = PyObject_GetAttrString(mod, "_raise_status");
        Py_DECREF(mod);
        if (raise_fn == NULL) return;
    }
    PyObject *r = PyObject_CallFunction(raise_fn, "isi", code, colonies_last_error(), colonies_last_http_status());
    Py_XDECREF(r);
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_RuntimeError, colonies_last_error());
}
%}

/* Message bytes: any bytes-like object, or a str taken as UTF-8. */
%typemap(in) (const char *msg, size_t msg_len) (Py_buffer view, int have_view = 0) {
    if (PyUnicode_Check($input)) {
        Py_ssize_t n = 0;
        $1 = (char *)PyUnicode_AsUTF8AndSize($input, &n);
        if ($1 == NULL) SWIG_fail;
        $2 = (size_t)n;
    } else if (PyObject_GetBuffer($input, &view, PyBUF_SIMPLE) == 0) {
        have_view = 1;
        $1 = (char *)view.buf;
        $2 = (size_t)view.len;
    } else {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "msg must be str or bytes, not %s", Py_TYPE($input)->tp_name);
        SWIG_fail;
    }
}
%typemap(freearg) (const char *msg, size_t msg_len) %{ if (have_view$argnum) PyBuffer_Release(&view$argnum); %}

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
    $result = SWIG_Python_AppendOutput($result, s);
}
%typemap(freearg) char ** %{ colonies_free(*$1); %}

/* The new client handle. */
%typemap(in, numinputs=0) colonies_client **out (colonies_client *tmp = NULL) %{ $1 = &tmp; %}
%typemap(argout) colonies_client **out %{
    $result = SWIG_Python_AppendOutput($result, SWIG_NewPointerObj(*$1, $descriptor(colonies_client *), 0));
%}

/*
 * Every int-returning call is a status call, except the two below: release
 * the GIL around it (calls may block on the network) and raise on failure.
 * A status of 0 is dropped from the Python result.
 */
%exception {
    Py_BEGIN_ALLOW_THREADS
    $action
    Py_END_ALLOW_THREADS
}
%typemap(out) int %{
    if ($1 != 0) {
        colonies_py_raise($1);
        SWIG_fail;
    }
    $result = SWIG_Py_Void();
%}
%typemap(out) int colonies_last_http_status %{ $result = PyLong_FromLong($1); %}
%noexception colonies_last_error;
%noexception colonies_last_http_status;
%noexception colonies_strerror;
%noexception colonies_version;
