/*
 * The typed calls: each builds one message and sends it through
 * cl_client_call(). Field names are the server's (pkg/rpc in the server).
 */
#include <stdarg.h>
#include <string.h>

#include "client_internal.h"

/* Sends msg (consumed) signed by prvkey, which every typed call but two needs. */
static int send_msg(colonies_client *c, char **out, const char *msgtype, cJSON *msg, const char *prvkey,
                    long timeout_ms)
{
    int rc = prvkey ? cl_client_call(c, out, msgtype, msg, prvkey, timeout_ms)
                    : cl_fail(COLONIES_EINVAL, "private key is NULL");
    cJSON_Delete(msg);
    return rc;
}

/* A new message object, or NULL with the error recorded. */
static cJSON *new_msg(void)
{
    cJSON *msg = cJSON_CreateObject();
    if (msg == NULL) cl_fail(COLONIES_ENOMEM, "out of memory");
    return msg;
}

/*
 * Adds the NULL-terminated list of (name, value) string fields to msg. Every
 * value is required to be a non-empty string; the first missing one is
 * reported by name.
 */
static int add_required_strings(cJSON *msg, va_list ap)
{
    const char *name;
    while ((name = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);
        if (value == NULL || value[0] == '\0') return cl_fail(COLONIES_EINVAL, "%s is empty", name);
        if (cl_json_add_string(msg, name, value)) return COLONIES_ENOMEM;
    }
    return COLONIES_OK;
}

/* A call whose message is only required string fields: (name, value)..., NULL. */
static int string_call(colonies_client *c, char **out, const char *msgtype, const char *prvkey, ...)
{
    cl_clear_error();
    if (out) *out = NULL;
    cJSON *msg = new_msg();
    if (msg == NULL) return COLONIES_ENOMEM;
    va_list ap;
    va_start(ap, prvkey);
    int rc = add_required_strings(msg, ap);
    va_end(ap);
    if (rc) {
        cJSON_Delete(msg);
        return rc;
    }
    return send_msg(c, out, msgtype, msg, prvkey, 0);
}

/* A call whose message is one JSON value parsed from text under key. */
static int json_call(colonies_client *c, char **out, const char *msgtype, const char *prvkey, const char *key,
                     const char *text, int type, const char *what)
{
    cl_clear_error();
    if (out) *out = NULL;
    cJSON *value = NULL;
    int rc = cl_json_parse(&value, text, type, what);
    if (rc) return rc;
    cJSON *msg = new_msg();
    if (msg == NULL || !cJSON_AddItemToObject(msg, key, value)) {
        cJSON_Delete(value);
        cJSON_Delete(msg);
        return cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    return send_msg(c, out, msgtype, msg, prvkey, 0);
}

/* A process call: processid plus a JSON array (NULL: []) under key. */
static int process_array_call(colonies_client *c, const char *msgtype, const char *processid, const char *key,
                              const char *array_json, const char *prvkey, const char *what)
{
    cl_clear_error();
    if (processid == NULL || processid[0] == '\0') return cl_fail(COLONIES_EINVAL, "processid is empty");
    cJSON *array = NULL;
    int rc = cl_json_parse(&array, array_json ? array_json : "[]", cJSON_Array, what);
    if (rc) return rc;
    cJSON *msg = new_msg();
    if (msg == NULL || cl_json_add_string(msg, "processid", processid) || !cJSON_AddItemToObject(msg, key, array)) {
        cJSON_Delete(array);
        cJSON_Delete(msg);
        return cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    return send_msg(c, NULL, msgtype, msg, prvkey, 0);
}

/* Server. */

/* The two message types the server answers without a signature. */
static int unsigned_call(colonies_client *c, char **out, const char *msgtype)
{
    cJSON *msg = new_msg();
    int rc = cl_client_call(c, out, msgtype, msg, NULL, 0);
    cJSON_Delete(msg);
    return rc;
}

int colonies_client_version(colonies_client *client, char **out_json)
{
    cl_clear_error();
    CL_CHECK_OUT(out_json);
    return unsigned_call(client, out_json, "versionmsg");
}

int colonies_client_server_info(colonies_client *client, char **out_json)
{
    cl_clear_error();
    CL_CHECK_OUT(out_json);
    return unsigned_call(client, out_json, "getserverinfomsg");
}

int colonies_client_statistics(colonies_client *client, char **out_json, const char *prvkey)
{
    CL_CHECK_OUT(out_json);
    return string_call(client, out_json, "getstatisticsmsg", prvkey, NULL);
}

/* Colonies. */

int colonies_client_add_colony(colonies_client *client, char **out_json, const char *colony_json,
                               const char *prvkey)
{
    CL_CHECK_OUT(out_json);
    return json_call(client, out_json, "addcolonymsg", prvkey, "colony", colony_json, cJSON_Object, "colony_json");
}

int colonies_client_remove_colony(colonies_client *client, const char *colonyname, const char *prvkey)
{
    return string_call(client, NULL, "removecolonymsg", prvkey, "colonyname", colonyname, NULL);
}

int colonies_client_get_colony(colonies_client *client, char **out_json, const char *colonyname,
                               const char *prvkey)
{
    CL_CHECK_OUT(out_json);
    return string_call(client, out_json, "getcolonymsg", prvkey, "colonyname", colonyname, NULL);
}

int colonies_client_list_colonies(colonies_client *client, char **out_json, const char *prvkey)
{
    CL_CHECK_OUT(out_json);
    return string_call(client, out_json, "getcoloniesmsg", prvkey, NULL);
}

int colonies_client_colony_statistics(colonies_client *client, char **out_json, const char *colonyname,
                                      const char *prvkey)
{
    CL_CHECK_OUT(out_json);
    return string_call(client, out_json, "getcolonystatsmsg", prvkey, "colonyname", colonyname, NULL);
}

/* Executors. */

int colonies_client_add_executor(colonies_client *client, char **out_json, const char *executor_json,
                                 const char *prvkey)
{
    CL_CHECK_OUT(out_json);
    return json_call(client, out_json, "addexecutormsg", prvkey, "executor", executor_json, cJSON_Object,
                     "executor_json");
}

int colonies_client_approve_executor(colonies_client *client, const char *colonyname, const char *executorname,
                                     const char *prvkey)
{
    return string_call(client, NULL, "approveexecutormsg", prvkey, "colonyname", colonyname, "executorname",
                       executorname, NULL);
}

int colonies_client_reject_executor(colonies_client *client, const char *colonyname, const char *executorname,
                                    const char *prvkey)
{
    return string_call(client, NULL, "rejectexecutormsg", prvkey, "colonyname", colonyname, "executorname",
                       executorname, NULL);
}

int colonies_client_remove_executor(colonies_client *client, const char *colonyname, const char *executorname,
                                    const char *prvkey)
{
    return string_call(client, NULL, "removeexecutormsg", prvkey, "colonyname", colonyname, "executorname",
                       executorname, NULL);
}

int colonies_client_get_executor(colonies_client *client, char **out_json, const char *colonyname,
                                 const char *executorname, const char *prvkey)
{
    CL_CHECK_OUT(out_json);
    return string_call(client, out_json, "getexecutormsg", prvkey, "colonyname", colonyname, "executorname",
                       executorname, NULL);
}

int colonies_client_list_executors(colonies_client *client, char **out_json, const char *colonyname,
                                   const char *prvkey)
{
    CL_CHECK_OUT(out_json);
    return string_call(client, out_json, "getexecutorsmsg", prvkey, "colonyname", colonyname, NULL);
}

/* Functions. */

int colonies_client_add_function(colonies_client *client, char **out_json, const char *function_json,
                                 const char *prvkey)
{
    CL_CHECK_OUT(out_json);
    return json_call(client, out_json, "addfunctionmsg", prvkey, "fun", function_json, cJSON_Object,
                     "function_json");
}

int colonies_client_list_functions(colonies_client *client, char **out_json, const char *colonyname,
                                   const char *executorname, const char *prvkey)
{
    cl_clear_error();
    CL_CHECK_OUT(out_json);
    if (colonyname == NULL || colonyname[0] == '\0') return cl_fail(COLONIES_EINVAL, "colonyname is empty");
    cJSON *msg = new_msg();
    if (msg == NULL || cl_json_add_string(msg, "colonyname", colonyname) ||
        cl_json_add_string(msg, "executorname", executorname)) {
        cJSON_Delete(msg);
        return COLONIES_ENOMEM;
    }
    return send_msg(client, out_json, "getfunctionsmsg", msg, prvkey, 0);
}

int colonies_client_remove_function(colonies_client *client, const char *functionid, const char *prvkey)
{
    return string_call(client, NULL, "removefunctionmsg", prvkey, "functionid", functionid, NULL);
}

/* Processes. */

int colonies_client_submit(colonies_client *client, char **out_json, const char *spec_json, const char *prvkey)
{
    CL_CHECK_OUT(out_json);
    return json_call(client, out_json, "submitfuncspecmsg", prvkey, "spec", spec_json, cJSON_Object, "spec_json");
}

int colonies_client_assign(colonies_client *client, char **out_json, const char *colonyname, int timeout_s,
                           const char *availablecpu, const char *availablemem, const char *prvkey)
{
    cl_clear_error();
    CL_CHECK_OUT(out_json);
    if (colonyname == NULL || colonyname[0] == '\0') return cl_fail(COLONIES_EINVAL, "colonyname is empty");
    /* The server refuses 0 and treats a negative timeout as "do not wait". */
    if (timeout_s < 1 || timeout_s > 86400)
        return cl_fail(COLONIES_EINVAL, "timeout %d s is not in 1..86400", timeout_s);
    if (client == NULL) return cl_fail(COLONIES_EINVAL, "client is NULL");
    cJSON *msg = new_msg();
    if (msg == NULL || cl_json_add_string(msg, "colonyname", colonyname) ||
        !cJSON_AddNumberToObject(msg, "timeout", timeout_s) ||
        cl_json_add_string(msg, "availablecpu", availablecpu) ||
        cl_json_add_string(msg, "availablemem", availablemem)) {
        cJSON_Delete(msg);
        return cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    /* The server holds the request for up to timeout_s: wait that long on top. */
    int rc = send_msg(client, out_json, "assignprocessmsg", msg, prvkey,
                      cl_client_timeout_ms(client, (long)timeout_s * 1000));
    /* The server says 404 when the wait ended without a process. */
    if (rc == COLONIES_ENOTFOUND) rc = COLONIES_ETIMEOUT;
    return rc;
}

int colonies_client_close(colonies_client *client, const char *processid, const char *output_json,
                          const char *prvkey)
{
    return process_array_call(client, "closesuccessfulmsg", processid, "out", output_json, prvkey, "output_json");
}

int colonies_client_fail(colonies_client *client, const char *processid, const char *errors_json,
                         const char *prvkey)
{
    return process_array_call(client, "closefailedmsg", processid, "errors", errors_json, prvkey, "errors_json");
}

int colonies_client_set_output(colonies_client *client, const char *processid, const char *output_json,
                               const char *prvkey)
{
    return process_array_call(client, "setoutputmsg", processid, "out", output_json, prvkey, "output_json");
}

int colonies_client_get_process(colonies_client *client, char **out_json, const char *processid,
                                const char *prvkey)
{
    CL_CHECK_OUT(out_json);
    return string_call(client, out_json, "getprocessmsg", prvkey, "processid", processid, NULL);
}

int colonies_client_list_processes(colonies_client *client, char **out_json, const char *colonyname, int count,
                                   int state, const char *executortype, const char *label, const char *initiator,
                                   const char *prvkey)
{
    cl_clear_error();
    CL_CHECK_OUT(out_json);
    if (colonyname == NULL || colonyname[0] == '\0') return cl_fail(COLONIES_EINVAL, "colonyname is empty");
    if (count < 1) return cl_fail(COLONIES_EINVAL, "count %d must be at least 1", count);
    if (state < COLONIES_WAITING || state > COLONIES_CANCELLED)
        return cl_fail(COLONIES_EINVAL, "state %d is not a process state (0..4)", state);
    cJSON *msg = new_msg();
    if (msg == NULL || cl_json_add_string(msg, "colonyname", colonyname) ||
        !cJSON_AddNumberToObject(msg, "count", count) || !cJSON_AddNumberToObject(msg, "state", state) ||
        cl_json_add_string(msg, "executortype", executortype) || cl_json_add_string(msg, "label", label) ||
        cl_json_add_string(msg, "initiator", initiator)) {
        cJSON_Delete(msg);
        return cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    return send_msg(client, out_json, "getprocessesmsg", msg, prvkey, 0);
}

int colonies_client_remove_process(colonies_client *client, const char *processid, const char *prvkey)
{
    return string_call(client, NULL, "removeprocessmsg", prvkey, "processid", processid, NULL);
}

int colonies_client_remove_all_processes(colonies_client *client, const char *colonyname, int state,
                                         const char *prvkey)
{
    cl_clear_error();
    if (colonyname == NULL || colonyname[0] == '\0') return cl_fail(COLONIES_EINVAL, "colonyname is empty");
    if (state < -1 || state > COLONIES_CANCELLED)
        return cl_fail(COLONIES_EINVAL, "state %d is not a process state (0..4) or -1 for all", state);
    cJSON *msg = new_msg();
    if (msg == NULL || cl_json_add_string(msg, "colonyname", colonyname) ||
        !cJSON_AddNumberToObject(msg, "state", state)) {
        cJSON_Delete(msg);
        return cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    return send_msg(client, NULL, "removeallprocessesmsg", msg, prvkey, 0);
}

int colonies_client_cancel_process(colonies_client *client, const char *processid, const char *prvkey)
{
    return string_call(client, NULL, "cancelprocessmsg", prvkey, "processid", processid, NULL);
}
