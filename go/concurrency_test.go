package colonies

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConcurrentCalls keeps calling while another goroutine's AssignProcess blocks
// on the same client, mixing calls that succeed with calls that fail, so
// that an error detail read on the wrong thread would show.
func TestConcurrentCalls(t *testing.T) {
	f := newFixture(t)
	// Submitted for another executor type, so the Assign below cannot take it.
	other := f.submitTo(t, "another-type", "echo")

	assigned := make(chan *Process, 1)
	assignErr := make(chan error, 1)
	go func() {
		p, err := f.c.AssignProcess(f.ctx, f.colony, 30, "", "", f.executorKey)
		assigned <- p
		assignErr <- err
	}()

	missing := strings.Repeat("0", 64)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				p, err := f.c.GetProcess(f.ctx, other.ID, f.executorKey)
				if err != nil || p == nil || p.ID != other.ID {
					t.Errorf("GetProcess during Assign = %v, %v", p, err)
					return
				}
				_, err = f.c.GetProcess(f.ctx, missing, f.executorKey)
				var e *Error
				if !errors.As(err, &e) || !errors.Is(err, ErrNotFound) || !strings.Contains(e.Message, "not found") || e.HTTPStatus != 404 {
					t.Errorf("GetProcess of an unknown id during Assign: %v", err)
					return
				}
				if _, err := ID("bad"); !errors.Is(err, ErrCrypto) {
					t.Errorf("ID of a bad key during Assign: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case p := <-assigned:
		t.Fatalf("AssignProcess returned %+v, %v before there was a process for it", p, <-assignErr)
	default:
	}

	mine := f.submit(t, "echo")
	select {
	case p := <-assigned:
		if err := <-assignErr; err != nil || p == nil || p.ID != mine.ID {
			t.Fatalf("AssignProcess = %+v, %v; want %s", p, err, mine.ID)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("AssignProcess did not return after a process was submitted")
	}
}
