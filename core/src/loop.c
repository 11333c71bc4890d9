/*
 * The loop: one thread per client that drives the client's HTTP requests,
 * websocket connections and timers on one curl multi handle. Other threads
 * hand it jobs through a queue and wake it with curl_multi_wakeup().
 *
 * The thread starts with the client's first job, and blocks every signal,
 * so that signals (a Ctrl-C) reach the application's threads.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

#define EASY_POOL_MAX 16

struct cl_conns {
    cl_loop *loop;
    CURLM *multi;
    int lane;
    CURL *easy_pool[EASY_POOL_MAX];
    int n_easy;
    curl_socket_t *sockets; /* the sockets curl opened, for cl_conns_peer_closed */
    int n_sockets, cap_sockets;
    cl_job *job;            /* a lane's, while in use */
    cl_conns *next;         /* the loop's idle or busy lanes */
};

struct cl_loop {
    pthread_mutex_t lock;
    pthread_t thread;
    int started;
    int stop;                 /* under lock */
    cl_conns conns;           /* the loop thread's */
    CURLM *multi;             /* conns.multi */
    CURLSH *share;            /* the DNS cache and TLS sessions, shared with the lanes */
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
    char *base_url;
    cl_loop_options opts;
    char *ca_bundle;
    cl_job *incoming, *incoming_tail; /* under lock */
    cl_job *cancels;          /* under lock */
    int cancel_all;           /* under lock */
    /* The loop thread's own. */
    cl_job *active;
    cl_timer *timers;         /* sorted by due time */
    cl_ws *ws;                /* open websocket connections */
    /* Connection slots, under lock: HTTP requests sent or being sent (at
     * most opts.max_connections), the loop's and the lanes'. */
    int http_running;
    cl_http *http_queue, *http_queue_tail; /* the loop's requests waiting for one of them to end */
    cl_conns *idle_lanes, *busy_lanes; /* under lock */
    cl_loop *next_abandoned;
    pthread_cond_t lanes_idle;         /* a busy lane was given back */
    struct curl_waitfd *waitfds; /* their sockets, as polled */
    cl_ws **polled;
    unsigned cap_polled;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

long long cl_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Signals. */

int cl_signal_init(cl_signal *s)
{
    s->raised = 0;
    s->fd = -1;
    if (pthread_mutex_init(&s->mu, NULL) != 0) return cl_fail(COLONIES_ENOMEM, "out of memory");
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&s->cv, &attr);
    pthread_condattr_destroy(&attr);
    if (rc != 0) {
        pthread_mutex_destroy(&s->mu);
        return cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    return COLONIES_OK;
}

void cl_signal_sync(cl_signal *s)
{
    pthread_mutex_lock(&s->mu);
    pthread_mutex_unlock(&s->mu);
}

void cl_mutex_retire(pthread_mutex_t *m)
{
    pthread_mutex_lock(m);
    pthread_mutex_unlock(m);
    pthread_mutex_destroy(m);
}

void cl_signal_destroy(cl_signal *s)
{
    if (s->fd >= 0) close(s->fd);
    /* A waiter on another thread may have been the last to hold it. */
    cl_signal_sync(s);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
}

void cl_signal_raise(cl_signal *s)
{
    pthread_mutex_lock(&s->mu);
    if (!s->raised) {
        s->raised = 1;
        if (s->fd >= 0) {
            uint64_t one = 1;
            ssize_t w = write(s->fd, &one, sizeof one);
            (void)w;
        }
    }
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

void cl_signal_clear(cl_signal *s)
{
    pthread_mutex_lock(&s->mu);
    if (s->raised && s->fd >= 0) {
        uint64_t n;
        ssize_t r = read(s->fd, &n, sizeof n);
        (void)r;
    }
    s->raised = 0;
    pthread_mutex_unlock(&s->mu);
}

int cl_signal_wait(cl_signal *s, long long timeout_ms)
{
    pthread_mutex_lock(&s->mu);
    if (timeout_ms < 0) {
        while (!s->raised) pthread_cond_wait(&s->cv, &s->mu);
    } else if (!s->raised && timeout_ms > 0) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += (timeout_ms % 1000) * 1000000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        while (!s->raised && pthread_cond_timedwait(&s->cv, &s->mu, &until) != ETIMEDOUT) {
        }
    }
    int raised = s->raised;
    pthread_mutex_unlock(&s->mu);
    return raised;
}

int cl_signal_fd(cl_signal *s)
{
    pthread_mutex_lock(&s->mu);
    if (s->fd < 0) {
        s->fd = eventfd(s->raised ? 1 : 0, EFD_CLOEXEC | EFD_NONBLOCK);
    }
    int fd = s->fd;
    pthread_mutex_unlock(&s->mu);
    return fd;
}

/* Jobs. */

void cl_job_init(cl_job *job, cl_loop *loop)
{
    memset(job, 0, sizeof *job);
    job->loop = loop;
    atomic_init(&job->refs, 1);
    atomic_init(&job->cancelled, 0);
}

void cl_job_ref(cl_job *job) { atomic_fetch_add(&job->refs, 1); }

void cl_job_unref(cl_job *job)
{
    if (job && atomic_fetch_sub(&job->refs, 1) == 1) job->destroy(job);
}

static void *run(void *arg);

static void wake(cl_loop *loop) { curl_multi_wakeup(loop->multi); }

int cl_loop_submit(cl_loop *loop, cl_job *job)
{
    cl_job_ref(job); /* the loop's, until the job ends */
    pthread_mutex_lock(&loop->lock);
    if (!loop->started) {
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        int rc = pthread_create(&loop->thread, NULL, run, loop);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (rc != 0) {
            pthread_mutex_unlock(&loop->lock);
            cl_job_unref(job);
            return cl_fail(COLONIES_ENOMEM, "cannot start the client's thread");
        }
        loop->started = 1;
    }
    job->next_queued = NULL;
    if (loop->incoming_tail)
        loop->incoming_tail->next_queued = job;
    else
        loop->incoming = job;
    loop->incoming_tail = job;
    pthread_mutex_unlock(&loop->lock);
    wake(loop);
    return COLONIES_OK;
}

void cl_job_request_cancel(cl_job *job)
{
    if (atomic_exchange(&job->cancelled, 1)) return;
    if (job->request_cancel)
        job->request_cancel(job);
    else
        cl_loop_queue_cancel(job);
}

void cl_loop_queue_cancel(cl_job *job)
{
    cl_loop *loop = job->loop;
    cl_job_ref(job); /* the cancel queue's */
    pthread_mutex_lock(&loop->lock);
    job->next_cancel = loop->cancels;
    loop->cancels = job;
    pthread_mutex_unlock(&loop->lock);
    wake(loop);
}

/* The requests running on lanes: their threads see the flag once woken. Under lock. */
static void cancel_lanes(cl_loop *loop)
{
    for (cl_conns *l = loop->busy_lanes; l; l = l->next) {
        atomic_store(&l->job->cancelled, 1);
        curl_multi_wakeup(l->multi);
    }
}

void cl_loop_cancel_all(cl_loop *loop)
{
    pthread_mutex_lock(&loop->lock);
    loop->cancel_all = 1;
    cancel_lanes(loop);
    pthread_mutex_unlock(&loop->lock);
    wake(loop);
}

void cl_job_end(cl_job *job)
{
    if (!job->active) return;
    cl_loop *loop = job->loop;
    job->active = 0;
    if (job->prev)
        job->prev->next = job->next;
    else
        loop->active = job->next;
    if (job->next) job->next->prev = job->prev;
    job->prev = job->next = NULL;
    cl_job_unref(job);
}

static void cancel_job(cl_job *job)
{
    if (job->active && !job->cancel_done) {
        job->cancel_done = 1;
        job->cancel(job);
    }
}

/* Cancel tokens: a flag, and the jobs of the blocking calls waiting with it. */

struct colonies_cancel {
    atomic_int fired;
    pthread_mutex_t lock;
    cl_job *watched;
    cl_signal signal; /* raised when fired, for cl_cancel_sleep */
};

colonies_status colonies_cancel_new(colonies_cancel **out)
{
    cl_clear_error();
    CL_CHECK_OUT(out);
    colonies_cancel *c = calloc(1, sizeof *c);
    if (c == NULL || pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    if (cl_signal_init(&c->signal)) {
        pthread_mutex_destroy(&c->lock);
        free(c);
        return COLONIES_ENOMEM;
    }
    atomic_init(&c->fired, 0);
    *out = c;
    return COLONIES_OK;
}

void colonies_cancel_fire(colonies_cancel *cancel)
{
    if (cancel == NULL) return;
    atomic_store(&cancel->fired, 1);
    pthread_mutex_lock(&cancel->lock);
    for (cl_job *j = cancel->watched; j; j = j->next_watched) cl_job_request_cancel(j);
    pthread_mutex_unlock(&cancel->lock);
    cl_signal_raise(&cancel->signal);
}

int cl_cancel_sleep(colonies_cancel *cancel, long ms)
{
    if (cancel) return cl_signal_wait(&cancel->signal, ms);
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
    return 0;
}

int colonies_cancel_fired(const colonies_cancel *cancel)
{
    return cancel != NULL && atomic_load(&((colonies_cancel *)cancel)->fired);
}

void colonies_cancel_free(colonies_cancel *cancel)
{
    if (cancel == NULL) return;
    cl_mutex_retire(&cancel->lock);
    cl_signal_destroy(&cancel->signal);
    free(cancel);
}

void cl_cancel_watch(colonies_cancel *cancel, cl_job *job)
{
    pthread_mutex_lock(&cancel->lock);
    job->next_watched = cancel->watched;
    cancel->watched = job;
    pthread_mutex_unlock(&cancel->lock);
    /* Fired before: the job stops at once. */
    if (atomic_load(&cancel->fired)) cl_job_request_cancel(job);
}

void cl_cancel_unwatch(colonies_cancel *cancel, cl_job *job)
{
    pthread_mutex_lock(&cancel->lock);
    for (cl_job **p = &cancel->watched; *p; p = &(*p)->next_watched)
        if (*p == job) {
            *p = job->next_watched;
            break;
        }
    pthread_mutex_unlock(&cancel->lock);
}

/* Timers. */

void cl_timer_set(cl_loop *loop, cl_timer *t, long long delay_ms)
{
    cl_timer_stop(loop, t);
    t->due_ms = cl_now_ms() + delay_ms;
    t->armed = 1;
    cl_timer **p = &loop->timers;
    while (*p && (*p)->due_ms <= t->due_ms) p = &(*p)->next;
    t->next = *p;
    *p = t;
}

void cl_timer_stop(cl_loop *loop, cl_timer *t)
{
    if (!t->armed) return;
    for (cl_timer **p = &loop->timers; *p; p = &(*p)->next)
        if (*p == t) {
            *p = t->next;
            break;
        }
    t->armed = 0;
    t->next = NULL;
}

static void fire_timers(cl_loop *loop)
{
    long long now = cl_now_ms();
    while (loop->timers && loop->timers->due_ms <= now) {
        cl_timer *t = loop->timers;
        loop->timers = t->next;
        t->armed = 0;
        t->next = NULL;
        t->fire(t);
    }
}

/* Connections. */

cl_conns *cl_loop_conns(cl_loop *loop) { return &loop->conns; }
cl_loop *cl_conns_loop(cl_conns *c) { return c->loop; }
CURLM *cl_conns_multi(cl_conns *c) { return c->multi; }
int cl_conns_is_lane(const cl_conns *c) { return c->lane; }

/* Easy handles, reused so that their settings' allocations are. */

CURL *cl_conns_take_easy(cl_conns *c)
{
    if (c->n_easy > 0) {
        CURL *e = c->easy_pool[--c->n_easy];
        curl_easy_reset(e);
        return e;
    }
    return curl_easy_init();
}

void cl_conns_give_easy(cl_conns *c, CURL *easy)
{
    if (c->n_easy < EASY_POOL_MAX)
        c->easy_pool[c->n_easy++] = easy;
    else
        curl_easy_cleanup(easy);
}

static curl_socket_t open_socket(void *conns, curlsocktype purpose, struct curl_sockaddr *address);
static int close_socket(void *conns, curl_socket_t fd);

void cl_conns_setup_easy(cl_conns *c, CURL *e, const char *url, void *owner)
{
    const cl_loop_options *o = &c->loop->opts;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)owner);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, c);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, c);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    if (c->loop->share) curl_easy_setopt(e, CURLOPT_SHARE, c->loop->share);
    if (o->tls) cl_curl_tls(e, o->verify_tls, o->ca_bundle);
}

void cl_loop_setup_easy(cl_loop *loop, CURL *e, const char *url, void *owner)
{
    cl_conns_setup_easy(&loop->conns, e, url, owner);
}

static int conns_init(cl_conns *c, cl_loop *loop, int lane)
{
    memset(c, 0, sizeof *c);
    c->loop = loop;
    c->lane = lane;
    c->multi = curl_multi_init();
    return c->multi ? COLONIES_OK : COLONIES_ENOMEM;
}

static void conns_cleanup(cl_conns *c)
{
    for (int i = 0; i < c->n_easy; i++) curl_easy_cleanup(c->easy_pool[i]);
    c->n_easy = 0;
    if (c->multi) curl_multi_cleanup(c->multi);
    c->multi = NULL;
    free(c->sockets);
    c->sockets = NULL;
}

/* Lanes. */

cl_conns *cl_loop_take_lane(cl_loop *loop, cl_job *job)
{
    pthread_mutex_lock(&loop->lock);
    /* Requests already waiting for a slot go first. */
    if (loop->stop || loop->http_queue ||
        (loop->opts.max_connections > 0 && loop->http_running >= loop->opts.max_connections)) {
        pthread_mutex_unlock(&loop->lock);
        return NULL;
    }
    loop->http_running++;
    cl_conns *lane = loop->idle_lanes;
    if (lane) loop->idle_lanes = lane->next;
    pthread_mutex_unlock(&loop->lock);
    if (lane == NULL) {
        lane = malloc(sizeof *lane);
        if (lane == NULL || conns_init(lane, loop, 1)) {
            if (lane) conns_cleanup(lane);
            free(lane);
            pthread_mutex_lock(&loop->lock);
            loop->http_running--;
            pthread_mutex_unlock(&loop->lock);
            return NULL;
        }
    }
    lane->job = job;
    pthread_mutex_lock(&loop->lock);
    lane->next = loop->busy_lanes;
    loop->busy_lanes = lane;
    pthread_mutex_unlock(&loop->lock);
    return lane;
}

void cl_loop_give_lane(cl_loop *loop, cl_conns *lane)
{
    pthread_mutex_lock(&loop->lock);
    for (cl_conns **p = &loop->busy_lanes; *p; p = &(*p)->next)
        if (*p == lane) {
            *p = lane->next;
            break;
        }
    lane->job = NULL;
    lane->next = loop->idle_lanes;
    loop->idle_lanes = lane;
    loop->http_running--;
    /* The loop's queued requests take the slot. */
    int waiting = loop->http_queue != NULL;
    pthread_cond_broadcast(&loop->lanes_idle);
    pthread_mutex_unlock(&loop->lock);
    if (waiting) wake(loop);
}

void cl_lane_wake(cl_conns *lane) { curl_multi_wakeup(lane->multi); }

void cl_curl_tls(CURL *e, int verify, const char *ca_bundle)
{
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
    if (ca_bundle) {
        /* The bundle replaces the system's CAs, not adds to them. */
        curl_easy_setopt(e, CURLOPT_CAINFO, ca_bundle);
        curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
    }
}

/* HTTP admission: at most max_connections requests at once; websockets do not count. */

int cl_loop_http_admit(cl_loop *loop, cl_http *h)
{
    pthread_mutex_lock(&loop->lock);
    int now = loop->opts.max_connections <= 0 || loop->http_running < loop->opts.max_connections;
    if (now) {
        loop->http_running++;
    } else {
        h->next_queued = NULL;
        if (loop->http_queue_tail)
            loop->http_queue_tail->next_queued = h;
        else
            loop->http_queue = h;
        loop->http_queue_tail = h;
    }
    pthread_mutex_unlock(&loop->lock);
    return now;
}

static cl_http *pop_queued(cl_loop *loop)
{
    cl_http *next = loop->http_queue;
    if (next == NULL) return NULL;
    loop->http_queue = next->next_queued;
    if (loop->http_queue == NULL) loop->http_queue_tail = NULL;
    next->next_queued = NULL;
    return next;
}

cl_http *cl_loop_http_done(cl_loop *loop)
{
    pthread_mutex_lock(&loop->lock);
    /* The slot passes to the first request in the queue. */
    cl_http *next = pop_queued(loop);
    if (next == NULL) loop->http_running--;
    pthread_mutex_unlock(&loop->lock);
    return next;
}

/* The queued requests that slots given back by lanes let go now. */
static void admit_queued(cl_loop *loop)
{
    for (;;) {
        pthread_mutex_lock(&loop->lock);
        cl_http *next = NULL;
        if (loop->opts.max_connections <= 0 || loop->http_running < loop->opts.max_connections) {
            next = pop_queued(loop);
            if (next) loop->http_running++;
        }
        pthread_mutex_unlock(&loop->lock);
        if (next == NULL) return;
        cl_http_admitted(next);
    }
}

void cl_loop_http_unqueue(cl_loop *loop, cl_http *h)
{
    pthread_mutex_lock(&loop->lock);
    cl_http *prev = NULL;
    for (cl_http *q = loop->http_queue; q; prev = q, q = q->next_queued) {
        if (q != h) continue;
        if (prev)
            prev->next_queued = q->next_queued;
        else
            loop->http_queue = q->next_queued;
        if (loop->http_queue_tail == q) loop->http_queue_tail = prev;
        q->next_queued = NULL;
        break;
    }
    pthread_mutex_unlock(&loop->lock);
}

/* Sockets. */

static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *address)
{
    (void)purpose;
    cl_conns *c = arg;
    curl_socket_t fd = socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
    if (fd == CURL_SOCKET_BAD) return fd;
    if (c->n_sockets == c->cap_sockets) {
        int cap = c->cap_sockets ? 2 * c->cap_sockets : 16;
        curl_socket_t *grown = realloc(c->sockets, (size_t)cap * sizeof *grown);
        if (grown == NULL) {
            /* Untracked, its liveness could not be checked: refuse it rather. */
            close(fd);
            return CURL_SOCKET_BAD;
        }
        c->sockets = grown;
        c->cap_sockets = cap;
    }
    c->sockets[c->n_sockets++] = fd;
    return fd;
}

static int close_socket(void *arg, curl_socket_t fd)
{
    cl_conns *c = arg;
    for (int i = 0; i < c->n_sockets; i++)
        if (c->sockets[i] == fd) {
            c->sockets[i] = c->sockets[--c->n_sockets];
            break;
        }
    return close(fd);
}

int cl_conns_peer_closed(cl_conns *c, int local_port)
{
    for (int i = 0; i < c->n_sockets; i++) {
        struct sockaddr_storage a;
        socklen_t len = sizeof a;
        if (getsockname(c->sockets[i], (struct sockaddr *)&a, &len) != 0) continue;
        int port = a.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&a)->sin6_port)
                                           : ntohs(((struct sockaddr_in *)&a)->sin_port);
        if (port != local_port) continue;
        /* An idle kept-alive connection has nothing to read: readable means closed (or garbage). */
        struct pollfd p = {.fd = c->sockets[i], .events = POLLIN};
        return poll(&p, 1, 0) > 0;
    }
    return 0;
}

/* Websocket connections the loop polls. */

void cl_loop_watch_ws(cl_loop *loop, cl_ws *w)
{
    w->prev = NULL;
    w->next = loop->ws;
    if (loop->ws) loop->ws->prev = w;
    loop->ws = w;
}

void cl_loop_unwatch_ws(cl_loop *loop, cl_ws *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else if (loop->ws == w)
        loop->ws = w->next;
    if (w->next) w->next->prev = w->prev;
    w->prev = w->next = NULL;
}

CURLM *cl_loop_multi(cl_loop *loop) { return loop->multi; }
const cl_loop_options *cl_loop_opts(cl_loop *loop) { return &loop->opts; }
const char *cl_loop_base_url(cl_loop *loop) { return loop->base_url; }

/* The thread. */

static void take_queues(cl_loop *loop, cl_job **incoming, cl_job **cancels, int *cancel_all, int *stop)
{
    pthread_mutex_lock(&loop->lock);
    *incoming = loop->incoming;
    loop->incoming = loop->incoming_tail = NULL;
    *cancels = loop->cancels;
    loop->cancels = NULL;
    *cancel_all = loop->cancel_all;
    loop->cancel_all = 0;
    *stop = loop->stop;
    pthread_mutex_unlock(&loop->lock);
}

/* Runs the queued requests: new jobs start, cancels take effect. Returns the stop flag. */
static int run_queues(cl_loop *loop)
{
    cl_job *incoming, *cancels;
    int cancel_all, stop;
    take_queues(loop, &incoming, &cancels, &cancel_all, &stop);
    while (incoming) {
        cl_job *job = incoming;
        incoming = job->next_queued;
        job->next_queued = NULL;
        job->active = 1;
        job->next = loop->active;
        if (loop->active) loop->active->prev = job;
        loop->active = job;
        cl_job_ref(job); /* it may end, and its caller may have let go, while it starts */
        job->start(job);
        /* Cancelled before it started: it has just started, so stop it now. */
        if (job->active && atomic_load(&job->cancelled)) cancel_job(job);
        cl_job_unref(job);
    }
    while (cancels) {
        cl_job *job = cancels;
        cancels = job->next_cancel;
        job->next_cancel = NULL;
        cancel_job(job);
        cl_job_unref(job);
    }
    if (cancel_all || stop) {
        for (cl_job *job = loop->active, *next; job; job = next) {
            next = job->next;
            atomic_store(&job->cancelled, 1);
            cancel_job(job);
        }
    }
    return stop;
}

static void finish_transfers(cl_loop *loop)
{
    int left;
    CURLMsg *m;
    while ((m = curl_multi_info_read(loop->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE) continue;
        void *priv = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&priv);
        CURLcode rc = m->data.result;
        if (priv == NULL) continue;
        if (*(int *)priv == CL_TRANSFER_HTTP)
            cl_http_finished(priv, rc);
        else if (*(int *)priv == CL_TRANSFER_WS)
            cl_ws_connected(loop, priv, rc);
    }
}

static int grow_polled(cl_loop *loop)
{
    unsigned cap = loop->cap_polled ? 2 * loop->cap_polled : 16;
    struct curl_waitfd *fds = realloc(loop->waitfds, cap * sizeof *fds);
    if (fds) loop->waitfds = fds;
    cl_ws **ws = realloc(loop->polled, cap * sizeof *ws);
    if (ws) loop->polled = ws;
    if (fds == NULL || ws == NULL) return 0;
    loop->cap_polled = cap;
    return 1;
}

static void *run(void *arg)
{
    cl_loop *loop = arg;
    for (;;) {
        int stop = run_queues(loop);
        admit_queued(loop);
        int running = 0;
        curl_multi_perform(loop->multi, &running);
        finish_transfers(loop);
        fire_timers(loop);
        if (stop && loop->active == NULL) break;
        /* The open websocket connections' sockets, polled beside curl's own. */
        unsigned n = 0;
        for (cl_ws *w = loop->ws; w; w = w->next) {
            short events = cl_ws_events(w);
            if (events == 0) continue;
            if (n == loop->cap_polled && !grow_polled(loop)) {
                /* Out of memory: no connection may go unwatched, so each is failed. */
                for (cl_ws *v = loop->ws, *next; v; v = next) {
                    next = v->next;
                    cl_ws_fail(loop, v, COLONIES_ENOMEM, "out of memory watching the websocket connections");
                }
                n = 0;
                break;
            }
            loop->waitfds[n].fd = w->sock;
            loop->waitfds[n].events = (short)((events & POLLIN ? CURL_WAIT_POLLIN : 0) |
                                              (events & POLLOUT ? CURL_WAIT_POLLOUT : 0));
            loop->waitfds[n].revents = 0;
            loop->polled[n++] = w;
        }
        long long timeout = 1000;
        if (loop->timers) {
            long long until = loop->timers->due_ms - cl_now_ms();
            if (until < timeout) timeout = until < 0 ? 0 : until;
        }
        curl_multi_poll(loop->multi, loop->waitfds, n, (int)timeout, NULL);
        for (unsigned i = 0; i < n; i++) {
            short revents = (short)((loop->waitfds[i].revents & CURL_WAIT_POLLIN ? POLLIN : 0) |
                                    (loop->waitfds[i].revents & CURL_WAIT_POLLOUT ? POLLOUT : 0));
            if (revents) cl_ws_service(loop, loop->polled[i], revents);
        }
    }
    return NULL;
}

/*
 * The system's trust store, for TLS without a ca_bundle option: $SSL_CERT_FILE
 * when set, else the first bundle found where distributions keep theirs. The
 * libcurl a wheel carries has its build machine's path compiled in, which
 * another distribution may not have. NULL (curl's own default) when none is
 * found.
 */
const char *cl_system_ca_bundle(void)
{
    static const char *const known[] = {
        "/etc/ssl/certs/ca-certificates.crt",                /* Debian, Ubuntu, Arch, Gentoo */
        "/etc/pki/tls/certs/ca-bundle.crt",                  /* Fedora, RHEL, CentOS */
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* RHEL 7 and later */
        "/etc/ssl/ca-bundle.pem",                            /* openSUSE */
        "/etc/pki/tls/cacert.pem",                           /* OpenELEC */
        "/etc/ssl/cert.pem",                                 /* Alpine, the BSDs, macOS */
    };
    const char *env = getenv("SSL_CERT_FILE");
    if (env && env[0] && access(env, R_OK) == 0) return env;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (access(known[i], R_OK) == 0) return known[i];
    return NULL;
}

/* The share handle's locks: one per kind of data. */
static void share_lock(CURL *e, curl_lock_data data, curl_lock_access access, void *arg)
{
    (void)e;
    (void)access;
    pthread_mutex_lock(&((cl_loop *)arg)->share_locks[data]);
}

static void share_unlock(CURL *e, curl_lock_data data, void *arg)
{
    (void)e;
    pthread_mutex_unlock(&((cl_loop *)arg)->share_locks[data]);
}

/* The DNS cache and TLS sessions, shared by the loop and the lanes, so that a
 * new lane's first request neither resolves again nor does a full TLS handshake. */
static int share_init(cl_loop *loop)
{
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_init(&loop->share_locks[i], NULL);
    loop->share = curl_share_init();
    if (loop->share == NULL) return COLONIES_ENOMEM;
    if (curl_share_setopt(loop->share, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
        curl_share_setopt(loop->share, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
        curl_share_setopt(loop->share, CURLSHOPT_USERDATA, loop) != CURLSHE_OK ||
        curl_share_setopt(loop->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
        curl_share_setopt(loop->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
        curl_share_cleanup(loop->share);
        loop->share = NULL;
        return COLONIES_ENOMEM;
    }
    return COLONIES_OK;
}

static void share_cleanup(cl_loop *loop)
{
    if (loop->share) curl_share_cleanup(loop->share);
    loop->share = NULL;
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_destroy(&loop->share_locks[i]);
}

int cl_loop_new(cl_loop **out, const char *host, int port, const cl_loop_options *opts)
{
    *out = NULL;
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return cl_fail(COLONIES_ETRANSPORT, "curl_global_init: %s", curl_easy_strerror(curl_init_rc));
    cl_loop *loop = calloc(1, sizeof *loop);
    if (loop == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory");
    size_t n = strlen(host) + 32;
    loop->base_url = malloc(n);
    /* A literal IPv6 address needs brackets in a URL. */
    int v6 = strchr(host, ':') != NULL;
    if (loop->base_url)
        snprintf(loop->base_url, n, "%s://%s%s%s:%d", opts->tls ? "https" : "http", v6 ? "[" : "", host,
                 v6 ? "]" : "", port);
    loop->opts = *opts;
    const char *ca = opts->ca_bundle ? opts->ca_bundle : opts->tls ? cl_system_ca_bundle() : NULL;
    loop->ca_bundle = ca ? cl_strdup(ca) : NULL;
    loop->opts.ca_bundle = loop->ca_bundle;
    int bad = conns_init(&loop->conns, loop, 0) != COLONIES_OK;
    loop->multi = loop->conns.multi;
    if (share_init(loop) != COLONIES_OK) bad = 1;
    if (loop->base_url == NULL || (opts->ca_bundle && loop->ca_bundle == NULL) || bad ||
        pthread_mutex_init(&loop->lock, NULL) != 0 || pthread_cond_init(&loop->lanes_idle, NULL) != 0) {
        conns_cleanup(&loop->conns);
        share_cleanup(loop);
        free(loop->ca_bundle);
        free(loop->base_url);
        free(loop);
        return cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    *out = loop;
    return COLONIES_OK;
}

/* The parents' loops a child has abandoned: kept, never freed (freeing them
 * would close the parent's connections, and its locks may be held). */
static _Atomic(cl_loop *) abandoned;

void cl_loop_abandon_in_child(cl_loop *loop)
{
    loop->next_abandoned = atomic_load(&abandoned);
    while (!atomic_compare_exchange_weak(&abandoned, &loop->next_abandoned, loop)) {
    }
    /* close() of a copy sends nothing: the parent's connections stay open. */
    for (int i = 0; i < loop->conns.n_sockets; i++) close(loop->conns.sockets[i]);
    for (cl_conns *l = loop->idle_lanes; l; l = l->next)
        for (int i = 0; i < l->n_sockets; i++) close(l->sockets[i]);
    for (cl_conns *l = loop->busy_lanes; l; l = l->next)
        for (int i = 0; i < l->n_sockets; i++) close(l->sockets[i]);
}

void cl_loop_free(cl_loop *loop)
{
    if (loop == NULL) return;
    pthread_mutex_lock(&loop->lock);
    loop->stop = 1;
    int started = loop->started;
    /* Blocking calls on lanes end, cancelled, and give their lanes back. */
    cancel_lanes(loop);
    while (loop->busy_lanes) pthread_cond_wait(&loop->lanes_idle, &loop->lock);
    pthread_mutex_unlock(&loop->lock);
    if (started) {
        wake(loop);
        pthread_join(loop->thread, NULL);
    }
    /* Lanes still in use would be calls running as the client is freed: a caller's error. */
    for (cl_conns *l = loop->idle_lanes, *next; l; l = next) {
        next = l->next;
        conns_cleanup(l);
        free(l);
    }
    conns_cleanup(&loop->conns);
    share_cleanup(loop);
    pthread_cond_destroy(&loop->lanes_idle);
    pthread_mutex_destroy(&loop->lock);
    free(loop->ca_bundle);
    free(loop->base_url);
    free(loop->waitfds);
    free(loop->polled);
    free(loop);
}
