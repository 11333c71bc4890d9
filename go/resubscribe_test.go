package colonies

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// relay forwards TCP connections to the test server and can cut them all,
// as a restarting server or a dropping proxy would.
type relay struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	done  chan struct{}
}

func newRelay(t *testing.T, target string) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	r := &relay{ln: ln, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			r.mu.Lock()
			r.conns = append(r.conns, in, out)
			r.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-r.done
		r.cut()
	})
	return r
}

func (r *relay) port() int { return r.ln.Addr().(*net.TCPAddr).Port }

// cut closes every connection it carries; new ones are still forwarded.
func (r *relay) cut() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.Close()
	}
	r.conns = nil
}

// A subscription whose connection is cut subscribes again by itself, says so
// once with ErrResubscribed, and then brings the event; with
// WithResubscribe(false) the cut ends it with ErrTransport. (A process's own
// subscription: the server sends its events to every subscriber of it, while
// a type's go to one subscriber in turn, the cut one's stale registration
// included until its timeout.)
func TestResubscribe(t *testing.T) {
	env := testServer(t)
	r := newRelay(t, fmt.Sprintf("%s:%d", env.host, env.port))
	f := newFixture(t)
	p := f.submit(t, "echo")
	c, err := NewClient("127.0.0.1", r.port(), WithRetryBackoff(50*time.Millisecond))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer c.Close()
	sub, err := c.SubscribeProcess(f.ctx, f.colony, p.ID, f.executorType, ProcessRunning, 60, f.executorKey)
	if err != nil {
		t.Fatalf("SubscribeProcess: %v", err)
	}
	defer sub.Close()
	once, err := NewClient("127.0.0.1", r.port(), WithResubscribe(false))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer once.Close()
	single, err := once.SubscribeProcess(f.ctx, f.colony, p.ID, f.executorType, ProcessRunning, 60, f.executorKey)
	if err != nil {
		t.Fatalf("SubscribeProcess: %v", err)
	}
	defer single.Close()
	time.Sleep(300 * time.Millisecond)

	r.cut()
	_, err = sub.Next(f.ctx)
	if !errors.Is(err, ErrResubscribed) {
		t.Fatalf("Next after the cut = %v, want ErrResubscribed", err)
	}
	if !strings.Contains(err.Error(), "made again") {
		t.Errorf("ErrResubscribed says %q", err)
	}
	_, err = single.Next(f.ctx)
	wantKind(t, "Next after the cut, without resubscribe", err, ErrTransport)

	f.assign(t)
	got, err := sub.Next(f.ctx)
	if err != nil || got == nil || got.ID != p.ID || got.State != ProcessRunning {
		t.Fatalf("Next after re-subscribing = %+v, %v; want process %s running", got, err, p.ID)
	}
}
