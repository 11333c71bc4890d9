package colonies

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/colonyos/libcolonies/go/internal/capi"
)

// Job is a process handed to an executor's function.
type Job struct {
	Process     *Process       `json:"process"`
	FuncName    string         `json:"funcname"`
	Args        []any          `json:"args"`   // the parents' outputs in a workflow that has them, else the spec's args
	KwArgs      map[string]any `json:"kwargs"` // the spec's kwargs
	MaxExecTime int            `json:"maxexectime"`
	Ctx         JobContext     `json:"ctx"`
}

// JobContext is what a function may need besides its arguments.
type JobContext struct {
	ColonyName     string `json:"colonyname"`
	ColonyID       string `json:"colonyid"` // the seed's name for the colony's name
	ExecutorName   string `json:"executorname"`
	ExecutorPrvKey string `json:"executor_prvkey"`
}

// job is the core's reply: a Job, a notice, or both.
type job struct {
	Job
	Notice string `json:"notice"`
}

// JobFunc runs a job. Its output becomes the process's output; an error
// fails the process with the error's text. ctx is done when the process's
// maxexectime passes, when it is cancelled on the server, or when the
// runtime stops and its grace period is over.
type JobFunc func(ctx context.Context, job *Job) ([]any, error)

// ExecutorRuntime runs functions for the processes of a colony: the core's
// runtime (registration, the assign loop, retries while the server is away,
// outcomes that land once; see colonies/executor.h), with each function run
// in a goroutine of its own.
type ExecutorRuntime struct {
	c     *Client
	h     uintptr // the colonies_executor *
	funcs map[string]JobFunc
	// Grace is how long Run lets the function in flight finish once its
	// context is done (default 10 s); then the process fails with the reason.
	Grace time.Duration
	// Notice hears the runtime's notices (the server stops or starts
	// answering); default log.Print.
	Notice func(text string)
	mu     sync.Mutex
	closed bool
}

// NewExecutorRuntime makes a runtime on c offering funcs (by name). opts are
// the core's executor options; the names of funcs are added to
// opts.Functions. Nothing is sent until Register or Run.
func (c *Client) NewExecutorRuntime(opts ExecutorOptions, funcs map[string]JobFunc) (*ExecutorRuntime, error) {
	for name := range funcs {
		opts.Functions = append(opts.Functions, name)
	}
	optionsJSON, err := encode("executor options", opts)
	if err != nil {
		return nil, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.h == 0 {
		return nil, newError(capi.COLONIES_EINVAL, "the client is closed")
	}
	var h uintptr
	if err := call(func() int { return capi.Colonies_executor_new(&h, c.h, optionsJSON) }, optionsJSON); err != nil {
		return nil, err
	}
	return &ExecutorRuntime{c: c, h: h, funcs: funcs, Grace: 10 * time.Second, Notice: func(s string) { log.Print(s) }}, nil
}

// Info returns the runtime's executor: colonyname, executorname,
// executortype, executorid, prvkey, and whether the runtime registered it.
func (r *ExecutorRuntime) Info() (map[string]any, error) {
	var out string
	err := call(func() int { return capi.Colonies_executor_info(r.h, &out) })
	if out, err = output(out, err); err != nil {
		return nil, err
	}
	var info map[string]any
	return info, decode(out, &info)
}

// task runs one of the runtime's core tasks (start gives its call handle).
func (r *ExecutorRuntime) task(ctx context.Context, start func(callh *uintptr) int, args ...string) (string, error) {
	callh, err := r.c.start(func(_ uintptr, callh *uintptr) int { return start(callh) }, args...)
	if err != nil {
		return "", err
	}
	return r.c.finish(ctx, callh)
}

// Register registers the executor (given the colony owner's key) and adds
// its functions now, rather than at Run's first assign, so that processes can
// be submitted with its key at once.
func (r *ExecutorRuntime) Register(ctx context.Context) error {
	_, err := r.task(ctx, func(callh *uintptr) int { return capi.Colonies_executor_register_start(r.h, callh) })
	return err
}

// Run assigns and runs processes until ctx is done (then it returns nil
// once the function in flight has finished or its Grace is over) or an error
// no retry can mend.
func (r *ExecutorRuntime) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		out, err := r.task(ctx, func(callh *uintptr) int { return capi.Colonies_executor_next_start(r.h, callh) })
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		// A process handed out as ctx ended is ours: it runs, with its grace, rather than being dropped.
		var j job
		if err := decode(out, &j); err != nil {
			return err
		}
		if j.Notice != "" && r.Notice != nil {
			r.Notice(j.Notice)
		}
		if j.Process != nil {
			r.runJob(ctx, &j.Job)
		}
	}
	return nil
}

func (r *ExecutorRuntime) runJob(ctx context.Context, j *Job) {
	fn := r.funcs[j.FuncName]
	if fn == nil {
		r.end(j.Process.ID, nil, fmt.Errorf("no function %s in this executor", j.FuncName))
		return
	}
	fnCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if j.MaxExecTime > 0 {
		fnCtx, cancel = context.WithTimeout(fnCtx, time.Duration(j.MaxExecTime)*time.Second)
		defer cancel()
	}
	type result struct {
		out []any
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fmt.Errorf("%s panicked: %v", j.FuncName, p)}
			}
		}()
		out, err := fn(fnCtx, j)
		done <- result{out, err}
	}()
	// The process may be cancelled on the server meanwhile.
	cancelled := make(chan struct{})
	watchCtx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	go func() {
		if _, err := r.c.WaitForState(watchCtx, j.Process.ID, ProcessCancelled, j.Ctx.ExecutorPrvKey); err == nil {
			close(cancelled)
		}
	}()
	var grace <-chan time.Time
	stopping := ctx.Done()
	for {
		select {
		case res := <-done:
			r.end(j.Process.ID, res.out, res.err)
			return
		case <-stopping:
			stopping = nil
			grace = time.After(r.Grace)
		case <-grace:
			cancel()
			r.end(j.Process.ID, nil, fmt.Errorf("the executor was stopped before %s finished (after a %v grace)", j.FuncName, r.Grace))
			return
		case <-fnCtx.Done():
			if j.MaxExecTime > 0 && fnCtx.Err() == context.DeadlineExceeded {
				r.notice(fmt.Sprintf("%s (process %s) ran past its maxexectime of %d s: the server gives it to another executor", j.FuncName, j.Process.ID, j.MaxExecTime))
				return
			}
		case <-cancelled:
			cancel()
			r.notice(fmt.Sprintf("process %s was cancelled while %s ran", j.Process.ID, j.FuncName))
			return
		}
	}
}

func (r *ExecutorRuntime) notice(text string) {
	if r.Notice != nil {
		r.Notice(text)
	}
}

// end closes the process with out, or fails it with err's text; the core
// makes sure the outcome lands once. Not bound to Run's context: a result is
// delivered even while the runtime stops (Client.Close still ends it).
func (r *ExecutorRuntime) end(processID string, out []any, ferr error) {
	var err error
	if ferr != nil {
		errors, _ := json.Marshal([]string{ferr.Error()})
		_, err = r.task(context.Background(), func(callh *uintptr) int {
			return capi.Colonies_executor_fail_start(r.h, callh, processID, string(errors))
		}, processID)
	} else {
		if out == nil {
			out = []any{}
		}
		outJSON, encErr := encode("output", out)
		if encErr != nil {
			r.end(processID, nil, encErr)
			return
		}
		_, err = r.task(context.Background(), func(callh *uintptr) int {
			return capi.Colonies_executor_close_start(r.h, callh, processID, outJSON)
		}, processID, outJSON)
	}
	if err != nil {
		r.notice(fmt.Sprintf("process %s: %v", processID, err))
	}
}

// Close removes the executor if the runtime registered it, and releases the
// runtime. Run must have returned. Closing twice is harmless.
func (r *ExecutorRuntime) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	err := call(func() int { return capi.Colonies_executor_stop(r.h) })
	capi.Colonies_executor_free(r.h)
	return err
}
