package colonies

import (
	"context"
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

// A channel's subscription cut in the middle resumes after the last entry it
// received: nothing is repeated and nothing is lost.
func TestResubscribeChannelResumes(t *testing.T) {
	env := testServer(t)
	r := newRelay(t, fmt.Sprintf("%s:%d", env.host, env.port))
	f := newFixture(t)
	p := f.channelProcess(t)
	c, err := NewClient("127.0.0.1", r.port(), WithRetryBackoff(50*time.Millisecond))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer c.Close()
	sub, err := c.SubscribeChannel(f.ctx, p.ID, "news", 0, 30, f.executorKey)
	if err != nil {
		t.Fatalf("SubscribeChannel: %v", err)
	}
	defer sub.Close()
	time.Sleep(200 * time.Millisecond)
	appendEntry := func(seq int64) {
		t.Helper()
		if err := f.c.ChannelAppend(f.ctx, p.ID, "news", seq, 0, []byte(fmt.Sprintf("m%d", seq)), "", f.executorKey); err != nil {
			t.Fatalf("ChannelAppend: %v", err)
		}
	}
	var got []string
	resubscribed := 0
	read := func(want int) {
		t.Helper()
		for len(got) < want {
			batch, err := sub.Next(f.ctx)
			if errors.Is(err, ErrResubscribed) {
				resubscribed++
				continue
			}
			if err != nil {
				t.Fatalf("Next after %q: %v", got, err)
			}
			for _, e := range batch {
				got = append(got, string(e.Payload))
			}
		}
	}
	appendEntry(1)
	appendEntry(2)
	read(2)
	r.cut()
	appendEntry(3)
	read(3)
	// Anything more that came (a repeat) would be waiting now.
	short, cancel := context.WithTimeout(f.ctx, 500*time.Millisecond)
	batch, err := sub.Next(short)
	cancel()
	if err == nil {
		for _, e := range batch {
			got = append(got, string(e.Payload))
		}
	}
	if strings.Join(got, " ") != "m1 m2 m3" || resubscribed != 1 {
		t.Errorf("entries %q with %d re-subscription(s); want m1 m2 m3 and 1", got, resubscribed)
	}
}
