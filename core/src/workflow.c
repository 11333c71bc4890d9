/*
 * Workflows: building a workflow spec, checking it before it is sent, and
 * finding a node's process in a process graph.
 *
 * A workflow spec is {"colonyname", "functionspecs": [spec, ...]}; each spec
 * is a node named by its "nodename", and its conditions.dependencies name
 * the nodes it waits for. The server (v1.9.12) checks little of this: a
 * dependency on no node fails after the graph is stored, half made, and a
 * cycle gives a graph whose processes wait for each other for ever. So the
 * core checks it all first, naming the nodes at fault.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "client_internal.h"
#include "colonies/json.h"
#include "colonies/workflow.h"

#define SPECS "functionspecs"

static const cJSON *deps_of(const cJSON *spec)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(spec, "conditions"), "dependencies");
}

static const char *nodename_of(const cJSON *spec)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(spec, "nodename"));
}

/* The index of the spec named name among n, or -1. */
static int find_node(const cJSON *const *specs, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(nodename_of(specs[i]), name) == 0) return i;
    return -1;
}

/* Depth-first search for a cycle; on one, writes it ("a -> b -> a") to path. */
enum { WHITE, GREY, BLACK };

static int visit(const cJSON *const *specs, int n, int i, int *color, int *stack, int depth, char *path,
                 size_t cap)
{
    color[i] = GREY;
    stack[depth] = i;
    const cJSON *d;
    cJSON_ArrayForEach(d, deps_of(specs[i]))
    {
        int j = find_node(specs, n, d->valuestring);
        if (color[j] == GREY) {
            /* The cycle is the stack from j's place to here, back to j. */
            size_t len = 0;
            int from = 0;
            while (stack[from] != j) from++;
            for (int k = from; k <= depth && len < cap; k++)
                len += (size_t)snprintf(path + len, cap - len, "\"%s\" -> ", nodename_of(specs[stack[k]]));
            if (len < cap) snprintf(path + len, cap - len, "\"%s\"", nodename_of(specs[j]));
            return 1;
        }
        if (color[j] == WHITE && visit(specs, n, j, color, stack, depth + 1, path, cap)) return 1;
    }
    color[i] = BLACK;
    return 0;
}

int cl_workflow_check(const cJSON *wf, const char *what)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(wf, SPECS);
    if (!cJSON_IsArray(list)) return cl_fail(COLONIES_EINVAL, "%s: the workflow has no list of function specs", what);
    int n = cJSON_GetArraySize(list);
    if (n == 0) return cl_fail(COLONIES_EINVAL, "%s: the workflow has no function specs", what);
    const cJSON **specs = calloc((size_t)n, sizeof *specs);
    int *color = calloc((size_t)n, sizeof *color), *stack = calloc((size_t)n, sizeof *stack);
    int rc = specs && color && stack ? COLONIES_OK : cl_fail(COLONIES_ENOMEM, "out of memory");
    int i = 0;
    const cJSON *spec;
    cJSON_ArrayForEach(spec, list)
    {
        if (rc) break;
        const char *name = nodename_of(spec);
        if (!cJSON_IsObject(spec))
            rc = cl_fail(COLONIES_EINVAL, "%s: function spec %d of the workflow is not an object", what, i + 1);
        else if (name == NULL || name[0] == '\0')
            rc = cl_fail(COLONIES_EINVAL, "%s: function spec %d of the workflow has no nodename", what, i + 1);
        else if (find_node(specs, i, name) >= 0)
            rc = cl_fail(COLONIES_EINVAL, "%s: node name \"%s\" is used by function specs %d and %d", what, name,
                         find_node(specs, i, name) + 1, i + 1);
        specs[i++] = spec;
    }
    for (i = 0; rc == 0 && i < n; i++) {
        const cJSON *deps = deps_of(specs[i]), *d;
        if (deps != NULL && !cJSON_IsNull(deps) && !cJSON_IsArray(deps)) {
            rc = cl_fail(COLONIES_EINVAL, "%s: the dependencies of node \"%s\" are not a list", what,
                         nodename_of(specs[i]));
            break;
        }
        const cJSON *names = cJSON_IsArray(deps) ? deps : NULL;
        cJSON_ArrayForEach(d, names)
        {
            if (!cJSON_IsString(d)) {
                rc = cl_fail(COLONIES_EINVAL, "%s: node \"%s\" has a dependency that is not a node name", what,
                             nodename_of(specs[i]));
            } else if (find_node(specs, n, d->valuestring) < 0) {
                rc = cl_fail(COLONIES_EINVAL, "%s: node \"%s\" depends on \"%s\", which is no node of the workflow",
                             what, nodename_of(specs[i]), d->valuestring);
            }
            if (rc) break;
        }
    }
    char cycle[1024];
    for (i = 0; rc == 0 && i < n; i++) {
        if (color[i] == WHITE && visit(specs, n, i, color, stack, 0, cycle, sizeof cycle))
            rc = cl_fail(COLONIES_EINVAL, "%s: the dependencies form a cycle: %s", what, cycle);
    }
    free(specs);
    free(color);
    free(stack);
    return rc;
}

colonies_status colonies_workflow_check(const char *workflow_json)
{
    cl_clear_error();
    cJSON *wf = NULL;
    int rc = cl_json_parse(&wf, workflow_json, cJSON_Object, "workflow_json");
    if (rc == 0) rc = cl_workflow_check(wf, "workflow");
    cJSON_Delete(wf);
    return rc;
}

colonies_status colonies_workflow_new(char **out_json, const char *colonyname)
{
    cl_clear_error();
    CL_CHECK_OUT(out_json);
    if (colonyname == NULL || colonyname[0] == '\0') return cl_fail(COLONIES_EINVAL, "colonyname is empty");
    return colonies_json_format(out_json, "{\"colonyname\":%s,\"" SPECS "\":[]}", colonyname);
}

/* Sets member name of obj to item (taking it), replacing any. */
static int set_member(cJSON *obj, const char *name, cJSON *item)
{
    if (item == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory");
    cJSON_DeleteItemFromObjectCaseSensitive(obj, name);
    if (!cJSON_AddItemToObject(obj, name, item)) {
        cJSON_Delete(item);
        return cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    return COLONIES_OK;
}

/* obj's member name as an object, made when missing. */
static cJSON *object_member(cJSON *obj, const char *name)
{
    cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (cJSON_IsObject(m)) return m;
    m = cJSON_CreateObject();
    return set_member(obj, name, m) == COLONIES_OK ? m : NULL;
}

colonies_status colonies_workflow_add(char **out_json, const char *workflow_json, const char *spec_json,
                                      const char *nodename, const char *dependencies_json)
{
    cl_clear_error();
    CL_CHECK_OUT(out_json);
    cJSON *wf = NULL, *spec = NULL, *deps = NULL;
    int rc = cl_json_parse(&wf, workflow_json, cJSON_Object, "workflow_json");
    if (rc == 0) rc = cl_json_parse(&spec, spec_json, cJSON_Object, "spec_json");
    if (rc == 0 && dependencies_json) rc = cl_json_parse(&deps, dependencies_json, cJSON_Array, "dependencies_json");
    cJSON *list = wf ? cJSON_GetObjectItemCaseSensitive(wf, SPECS) : NULL;
    if (rc == 0 && list != NULL && !cJSON_IsArray(list))
        rc = cl_fail(COLONIES_EINVAL, "workflow: its %s is not a list", SPECS);
    if (rc == 0 && list == NULL) {
        list = cJSON_CreateArray();
        rc = set_member(wf, SPECS, list);
    }
    const cJSON *d;
    cJSON_ArrayForEach(d, deps)
    {
        if (rc == 0 && (!cJSON_IsString(d) || d->valuestring[0] == '\0'))
            rc = cl_fail(COLONIES_EINVAL, "workflow: a dependency of node \"%s\" is not a node name",
                         nodename ? nodename : "");
    }
    if (rc == 0 && nodename) {
        if (nodename[0] == '\0')
            rc = cl_fail(COLONIES_EINVAL, "workflow: nodename is empty");
        else
            rc = set_member(spec, "nodename", cJSON_CreateString(nodename));
    }
    const char *name = rc ? NULL : nodename_of(spec);
    if (rc == 0 && (name == NULL || name[0] == '\0'))
        rc = cl_fail(COLONIES_EINVAL, "workflow: the function spec has no nodename, and none was given");
    const cJSON *other, *nodes = rc ? NULL : list;
    cJSON_ArrayForEach(other, nodes)
    {
        const char *used = nodename_of(other);
        if (rc == 0 && used && strcmp(used, name) == 0)
            rc = cl_fail(COLONIES_EINVAL, "workflow: node name \"%s\" is used already", name);
    }
    cJSON *conditions = rc ? NULL : object_member(spec, "conditions");
    if (rc == 0 && conditions == NULL) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    if (rc == 0 && deps) {
        rc = set_member(conditions, "dependencies", deps);
        deps = NULL;
    }
    /* Its colony is the workflow's (the server would set it so anyway). */
    const char *colony = rc ? NULL : cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(wf, "colonyname"));
    if (rc == 0 && colony && colony[0]) rc = set_member(conditions, "colonyname", cJSON_CreateString(colony));
    if (rc == 0) {
        if (cJSON_AddItemToArray(list, spec))
            spec = NULL;
        else
            rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    if (rc == 0) rc = cl_json_print(out_json, wf);
    cJSON_Delete(wf);
    cJSON_Delete(spec);
    cJSON_Delete(deps);
    return rc;
}

static int by_string(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

colonies_status colonies_process_graph_node(char **out_processid, const char *graph_json, const char *nodename)
{
    cl_clear_error();
    CL_CHECK_OUT(out_processid);
    if (nodename == NULL || nodename[0] == '\0') return cl_fail(COLONIES_EINVAL, "nodename is empty");
    cJSON *graph = NULL;
    int rc = cl_json_parse(&graph, graph_json, cJSON_Object, "graph_json");
    if (rc) return rc;
    /* The server lists a graph's nodes as {"id": processid, "data": {"label": nodename}}. */
    const cJSON *node;
    const char *labels[64];
    size_t n = 0;
    cJSON_ArrayForEach(node, cJSON_GetObjectItemCaseSensitive(graph, "nodes"))
    {
        const char *label = cJSON_GetStringValue(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(node, "data"), "label"));
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(node, "id"));
        if (label == NULL || id == NULL) continue;
        if (strcmp(label, nodename) == 0) {
            rc = (*out_processid = cl_strdup(id)) ? COLONIES_OK : cl_fail(COLONIES_ENOMEM, "out of memory");
            cJSON_Delete(graph);
            return rc;
        }
        if (n < sizeof labels / sizeof labels[0]) labels[n++] = label;
    }
    /* The server lists the nodes in no fixed order: name them sorted. */
    qsort(labels, n, sizeof labels[0], by_string);
    char names[512] = "";
    size_t len = 0;
    for (size_t i = 0; i < n && len < sizeof names; i++)
        len += (size_t)snprintf(names + len, sizeof names - len, "%s\"%s\"", len ? ", " : "", labels[i]);
    cJSON_Delete(graph);
    if (len == 0) return cl_fail(COLONIES_ENOTFOUND, "no node \"%s\": the graph lists no nodes", nodename);
    return cl_fail(COLONIES_ENOTFOUND, "no node \"%s\" in the graph; its nodes are %s", nodename, names);
}

/* The graph id that graph names: the id itself, a process graph (JSON), or a
 * JSON list of its process ids, the first of which is read for it. */
static int graph_id(colonies_client *client, char **out, const char *graph, const char *prvkey,
                    colonies_cancel *cancel)
{
    if (graph == NULL || graph[0] == '\0') return cl_fail(COLONIES_EINVAL, "find_process: no process graph given");
    if (graph[0] != '{' && graph[0] != '[') {
        *out = cl_strdup(graph);
        return *out ? COLONIES_OK : cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    cJSON *v = NULL, *process = NULL;
    char *read = NULL, *params = NULL;
    int rc = cl_json_parse(&v, graph, cJSON_Invalid, "graph");
    const cJSON *holder = v;
    if (rc == 0 && cJSON_IsArray(v)) {
        const char *first = cJSON_GetStringValue(cJSON_GetArrayItem(v, 0));
        if (first == NULL) rc = cl_fail(COLONIES_EINVAL, "find_process: the list of process ids is empty");
        if (rc == 0) rc = colonies_json_format(&params, "{\"processid\":%s}", first);
        if (rc == 0) rc = colonies_client_call(client, &read, "get_process", params, prvkey, 0, cancel);
        if (rc == 0) rc = cl_json_parse(&process, read, cJSON_Object, "the process");
        holder = process;
    }
    const char *id = rc ? NULL : cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(holder, "processgraphid"));
    if (rc == 0 && (id == NULL || id[0] == '\0'))
        rc = cl_fail(COLONIES_EINVAL, "find_process: %s names no process graph",
                     cJSON_IsArray(v) ? "the first process of the list" : "the object given");
    if (rc == 0 && (*out = cl_strdup(id)) == NULL) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    cJSON_Delete(v);
    cJSON_Delete(process);
    colonies_free(read);
    colonies_free(params);
    return rc;
}

colonies_status colonies_client_find_process(colonies_client *client, char **out_json, const char *graph,
                                             const char *nodename, const char *prvkey, colonies_cancel *cancel)
{
    cl_clear_error();
    CL_CHECK_OUT(out_json);
    if (client == NULL) return cl_fail(COLONIES_EINVAL, "client is NULL");
    char *id = NULL, *params = NULL, *graph_json = NULL, *processid = NULL;
    int rc = graph_id(client, &id, graph, prvkey, cancel);
    if (rc == 0) rc = colonies_json_format(&params, "{\"processgraphid\":%s}", id);
    if (rc == 0) rc = colonies_client_call(client, &graph_json, "get_process_graph", params, prvkey, 0, cancel);
    colonies_free(params);
    params = NULL;
    if (rc == 0) rc = colonies_process_graph_node(&processid, graph_json, nodename);
    if (rc == 0) rc = colonies_json_format(&params, "{\"processid\":%s}", processid);
    if (rc == 0) rc = colonies_client_call(client, out_json, "get_process", params, prvkey, 0, cancel);
    colonies_free(params);
    colonies_free(graph_json);
    colonies_free(processid);
    free(id);
    return rc;
}

colonies_status colonies_workflow_chain(char **out_json, const char *colonyname, const char *specs_json)
{
    cl_clear_error();
    CL_CHECK_OUT(out_json);
    cJSON *specs = NULL;
    char *wf = NULL;
    int rc = cl_json_parse(&specs, specs_json, cJSON_Array, "specs_json");
    if (rc == 0 && cJSON_GetArraySize(specs) == 0) rc = cl_fail(COLONIES_EINVAL, "chain: no function specs");
    if (rc == 0) rc = colonies_workflow_new(&wf, colonyname);
    const cJSON *spec, *list = rc ? NULL : specs;
    char prev[256] = "";
    int i = 0;
    cJSON_ArrayForEach(spec, list)
    {
        i++;
        const char *own = nodename_of(spec);
        if (own == NULL || own[0] == '\0') own = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(spec, "funcname"));
        /* Each node its own name: the same function may come twice in a chain. */
        char name[256];
        snprintf(name, sizeof name, "%d-%s", i, own ? own : "node");
        char *text = cJSON_PrintUnformatted(spec), *deps = NULL, *next = NULL;
        if (text == NULL) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
        if (rc == 0) rc = prev[0] ? colonies_json_format(&deps, "[%s]", prev) : colonies_json_format(&deps, "[]");
        if (rc == 0) rc = colonies_workflow_add(&next, wf, text, name, deps);
        free(text);
        colonies_free(deps);
        if (rc) break;
        colonies_free(wf);
        wf = next;
        snprintf(prev, sizeof prev, "%s", name);
    }
    cJSON_Delete(specs);
    if (rc) {
        colonies_free(wf);
        return rc;
    }
    *out_json = wf;
    return COLONIES_OK;
}

/* Running a workflow to its end: a task. */

typedef struct {
    colonies_client *client;
    char *workflow, *prvkey, *last;
    int64_t timeout_ms;
} run_args;

static void run_args_free(void *arg)
{
    run_args *r = arg;
    free(r->workflow);
    colonies_free(r->prvkey); /* wipes it */
    free(r->last);
    free(r);
}

static int run_task(void *arg, colonies_cancel *cancel, char **reply)
{
    run_args *r = arg;
    char *params = NULL, *graph = NULL, *process = NULL;
    long long deadline = cl_now_ms() + r->timeout_ms;
    int rc = colonies_json_format(&params, "{\"spec\":%J}", r->workflow);
    if (rc == 0) rc = colonies_client_call(r->client, &graph, "submit_workflow_spec", params, r->prvkey, 0, cancel);
    cJSON *g = rc ? NULL : cl_json_read(graph);
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g, "processgraphid"));
    if (rc == 0 && id == NULL) rc = cl_fail(COLONIES_EREPLY, "run_workflow: the graph has no id");
    if (rc == 0) rc = colonies_client_find_process(r->client, &process, id, r->last, r->prvkey, cancel);
    cJSON *p = rc ? NULL : cl_json_read(process);
    const char *pid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "processid"));
    long long left = deadline - cl_now_ms();
    if (rc == 0 && left < 1) rc = cl_fail(COLONIES_EEXPIRED, "run_workflow: no time left to wait");
    if (rc == 0) rc = colonies_client_wait_process(r->client, reply, pid, COLONIES_WAIT_FINISHED, left, r->prvkey, cancel);
    cJSON_Delete(g);
    cJSON_Delete(p);
    colonies_free(params);
    colonies_free(graph);
    colonies_free(process);
    return rc;
}

colonies_status colonies_client_run_workflow_start(colonies_client *client, colonies_call **out,
                                                   const char *workflow_json, const char *prvkey,
                                                   int64_t timeout_ms)
{
    cl_clear_error();
    CL_CHECK_OUT(out);
    if (client == NULL) return cl_fail(COLONIES_EINVAL, "client is NULL");
    if (prvkey == NULL) return cl_fail(COLONIES_EINVAL, "prvkey is NULL");
    if (timeout_ms < 1 || timeout_ms > 86400000LL)
        return cl_fail(COLONIES_EINVAL, "timeout %lld ms is not in 1..86400000 (a day)", (long long)timeout_ms);
    cJSON *wf = NULL;
    int rc = cl_json_parse(&wf, workflow_json, cJSON_Object, "workflow_json");
    if (rc == 0) rc = cl_workflow_check(wf, "run_workflow");
    const cJSON *specs = wf ? cJSON_GetObjectItemCaseSensitive(wf, SPECS) : NULL;
    const char *last = rc ? NULL : nodename_of(cJSON_GetArrayItem(specs, cJSON_GetArraySize(specs) - 1));
    run_args *r = rc ? NULL : calloc(1, sizeof *r);
    if (rc == 0 && r == NULL) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    if (rc == 0) {
        r->client = client;
        r->timeout_ms = timeout_ms;
        r->workflow = cl_strdup(workflow_json);
        r->prvkey = cl_strdup(prvkey);
        r->last = cl_strdup(last);
        if (!r->workflow || !r->prvkey || !r->last) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    cJSON_Delete(wf);
    if (rc) {
        if (r) run_args_free(r);
        return rc;
    }
    return cl_task_start(out, client, "run_workflow", run_task, r, run_args_free);
}

colonies_status colonies_client_run_workflow(colonies_client *client, char **out_json, const char *workflow_json,
                                             const char *prvkey, int64_t timeout_ms, colonies_cancel *cancel)
{
    if (out_json) *out_json = NULL;
    colonies_call *call = NULL;
    int rc = colonies_client_run_workflow_start(client, &call, workflow_json, prvkey, timeout_ms);
    return rc ? rc : cl_call_complete(call, out_json, cancel);
}
