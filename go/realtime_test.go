package colonies

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"
)

// closeAfter closes (or fails) a process after delay, in a goroutine; the
// returned channel gives the close's error.
func (f *fixture) closeAfter(processID string, delay time.Duration, fail bool) <-chan error {
	done := make(chan error, 1)
	go func() {
		time.Sleep(delay)
		if fail {
			done <- f.c.CloseFailed(f.ctx, processID, []string{"it broke"}, f.executorKey)
		} else {
			done <- f.c.CloseSuccessful(f.ctx, processID, []any{"done", 7}, f.executorKey)
		}
	}()
	return done
}

func TestWaitReturnsTheFinishedProcess(t *testing.T) {
	f := newFixture(t)
	p := f.submit(t, "echo")
	f.assign(t)
	closed := f.closeAfter(p.ID, 300*time.Millisecond, false)
	ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
	defer cancel()
	got, err := f.c.Wait(ctx, p.ID, f.executorKey)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if err := <-closed; err != nil {
		t.Fatalf("CloseSuccessful: %v", err)
	}
	if got.State != ProcessSuccessful || len(got.Output) != 2 || got.Output[0] != "done" {
		t.Fatalf("Wait = state %d, out %v; want successful with its output", got.State, got.Output)
	}

	// Failed is finished too, at once rather than at the deadline.
	p = f.submit(t, "echo")
	f.assign(t)
	closed = f.closeAfter(p.ID, 200*time.Millisecond, true)
	start := time.Now()
	got, err = f.c.Wait(f.ctx, p.ID, f.executorKey)
	if err != nil || got.State != ProcessFailed {
		t.Fatalf("Wait on a failing process = %+v, %v", got, err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Wait took %v for a process failed after 200 ms", took)
	}
	<-closed

	// A given state.
	p = f.submit(t, "echo")
	go func() {
		time.Sleep(200 * time.Millisecond)
		f.c.AssignProcess(f.ctx, f.colony, 5, "", "", f.executorKey)
	}()
	got, err = f.c.WaitForState(f.ctx, p.ID, ProcessRunning, f.executorKey)
	if err != nil || got.State != ProcessRunning {
		t.Fatalf("WaitForState(running) = %+v, %v", got, err)
	}
}

func TestWaitExpiresWithTheContext(t *testing.T) {
	f := newFixture(t)
	p := f.submit(t, "echo")
	ctx, cancel := context.WithTimeout(f.ctx, 1200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.c.Wait(ctx, p.ID, f.executorKey)
	took := time.Since(start)
	e := wantKind(t, "Wait past its deadline", err, ErrExpired)
	if e != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait's error %v does not carry the context's deadline", err)
	}
	if took < time.Second || took > 4*time.Second {
		t.Errorf("Wait with a 1.2 s deadline returned after %v", took)
	}
}

// A blocked wait and a blocked assign each end within 100 ms of their
// context's cancellation, and Close does not wait behind an assign.
func TestCancelStopsBlockedCalls(t *testing.T) {
	f := newFixture(t)
	p := f.submitTo(t, "nobody-runs-this", "echo")
	for _, what := range []string{"wait", "assign"} {
		ctx, cancel := context.WithCancel(f.ctx)
		var cancelled time.Time
		go func() {
			time.Sleep(300 * time.Millisecond)
			cancelled = time.Now()
			cancel()
		}()
		var err error
		if what == "wait" {
			_, err = f.c.Wait(ctx, p.ID, f.executorKey)
		} else {
			_, err = f.c.AssignProcess(ctx, f.colony, 60, "", "", f.executorKey)
		}
		after := time.Since(cancelled)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: cancelled, it returned %v", what, err)
		}
		t.Logf("a blocked %s returned %v after its context was cancelled", what, after)
		if after > 100*time.Millisecond {
			t.Errorf("%s returned %v after the cancel, want within 100 ms", what, after)
		}
	}

	c, env := newTestClient(t)
	_ = env
	done := make(chan error, 1)
	go func() {
		_, err := c.AssignProcess(context.Background(), f.colony, 60, "", "", f.executorKey)
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	c.Close()
	select {
	case err := <-done:
		wantKind(t, "an assign its client's Close ended", err, ErrInDoubt)
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not end a blocked assign")
	}
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Errorf("Close took %v with an assign blocked", took)
	}
	_, err := c.GetColony(f.ctx, f.colony, f.executorKey)
	wantKind(t, "a call after Close", err, ErrInvalidArgument)
}

// Goroutines waiting for replies hold no OS thread.
func TestWaitingHoldsNoThread(t *testing.T) {
	f := newFixture(t)
	const n = 50
	before := threadCount()
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(f.ctx)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.c.AssignProcess(ctx, f.colony, 30, "", "", f.executorKey)
		}()
	}
	time.Sleep(time.Second)
	during := threadCount()
	cancel()
	wg.Wait()
	t.Logf("OS threads: %d before, %d with %d assigns blocked", before, during, n)
	if during-before >= n/2 {
		t.Errorf("%d blocked assigns took %d more OS threads", n, during-before)
	}
}

func threadCount() int {
	n, _ := runtime.ThreadCreateProfile(nil)
	return n
}

func TestSubscribeProcesses(t *testing.T) {
	f := newFixture(t)
	sub, err := f.c.SubscribeProcesses(f.ctx, f.colony, f.executorType, ProcessWaiting, 5, f.executorKey)
	if err != nil {
		t.Fatalf("SubscribeProcesses: %v", err)
	}
	defer sub.Close()
	short, cancel := context.WithTimeout(f.ctx, 300*time.Millisecond)
	_, err = sub.Next(short)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next with nothing to come = %v, want the context's deadline", err)
	}
	p := f.submit(t, "echo")
	got, err := sub.Next(f.ctx)
	if err != nil || got == nil || got.ID != p.ID {
		t.Fatalf("Next = %+v, %v; want process %s", got, err, p.ID)
	}
	// Close from another goroutine ends a blocked Next.
	go func() {
		time.Sleep(200 * time.Millisecond)
		sub.Close()
	}()
	_, err = sub.Next(f.ctx)
	wantKind(t, "Next on a closed subscription", err, ErrCancelled)
}

func TestSubscribeChannel(t *testing.T) {
	f := newFixture(t)
	p := f.channelProcess(t)
	sub, err := f.c.SubscribeChannel(f.ctx, p.ID, "news", 0, 2, f.executorKey)
	if err != nil {
		t.Fatalf("SubscribeChannel: %v", err)
	}
	defer sub.Close()
	time.Sleep(200 * time.Millisecond)
	for i := 1; i <= 3; i++ {
		if err := f.c.ChannelAppend(f.ctx, p.ID, "news", int64(i), 0, []byte{'m', byte('0' + i)}, "", f.executorKey); err != nil {
			t.Fatalf("ChannelAppend: %v", err)
		}
	}
	var payloads []string
	for {
		batch, err := sub.Next(f.ctx)
		if errors.Is(err, ErrDone) {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		for _, e := range batch {
			payloads = append(payloads, string(e.Payload))
		}
	}
	if len(payloads) != 3 || payloads[0] != "m1" || payloads[2] != "m3" {
		t.Errorf("channel entries %q, want m1 m2 m3", payloads)
	}
}
