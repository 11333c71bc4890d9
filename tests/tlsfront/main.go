// Command tlsfront terminates TLS in front of a plain-TCP server, as an
// ingress does in front of a Colonies server: it accepts TLS connections on
// one or more addresses, completes the handshake with the given certificate
// and key, and copies bytes both ways between each connection and a new TCP
// connection to the backend. It works below HTTP, so keep-alive, long-held
// requests and websocket upgrades pass through unchanged.
//
// scripts/tls-front builds and runs it for the tests of the clients' TLS.
// Only the standard library is used.
//
// Usage:
//
//	tlsfront -listen 127.0.0.1:50443,127.0.0.2:50443 -backend 127.0.0.1:50080 \
//	    -cert server.pem -key server.key
package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	// The time a client has to complete its handshake.
	handshakeTimeout = 10 * time.Second
	// The time to connect to the backend.
	dialTimeout = 10 * time.Second
	// After one side has finished sending, the time the other side has to
	// finish too before both connections are closed.
	drainTimeout = 30 * time.Second
)

func main() {
	listen := flag.String("listen", "", "comma-separated addresses to accept TLS on (host:port)")
	backend := flag.String("backend", "", "the plain-TCP server to forward to (host:port)")
	certFile := flag.String("cert", "", "PEM file of the server certificate (and any intermediates)")
	keyFile := flag.String("key", "", "PEM file of the server certificate's key")
	flag.Parse()
	if *listen == "" || *backend == "" || *certFile == "" || *keyFile == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	log.SetPrefix("tlsfront: ")

	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatalf("loading %s and %s: %v", *certFile, *keyFile, err)
	}
	config := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		// Bytes are forwarded as they are: HTTP/2 must not be offered,
		// since the backend speaks HTTP/1.1 only.
		NextProtos: []string{"http/1.1"},
	}

	f := &front{backend: *backend, config: config}
	var listeners []net.Listener
	for _, addr := range strings.Split(*listen, ",") {
		ln, err := net.Listen("tcp", strings.TrimSpace(addr))
		if err != nil {
			log.Fatalf("listening on %s: %v", addr, err)
		}
		listeners = append(listeners, ln)
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	var serving sync.WaitGroup
	for _, ln := range listeners {
		log.Printf("accepting TLS on %s for %s", ln.Addr(), *backend)
		serving.Add(1)
		go func(ln net.Listener) {
			defer serving.Done()
			f.serve(ln)
		}(ln)
	}
	sig := <-stop
	log.Printf("%v: closing the listeners (%d connections served, %d handshakes failed)",
		sig, f.served.Load(), f.refused.Load())
	f.closing.Store(true)
	for _, ln := range listeners {
		ln.Close()
	}
	serving.Wait()
}

type front struct {
	backend string
	config  *tls.Config
	closing atomic.Bool
	served  atomic.Int64 // connections whose handshake succeeded
	refused atomic.Int64 // connections whose handshake failed
}

// serve accepts connections on ln until it is closed.
func (f *front) serve(ln net.Listener) {
	var delay time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			if f.closing.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: wait and try again, as
			// net/http does.
			if delay == 0 {
				delay = 5 * time.Millisecond
			} else if delay *= 2; delay > time.Second {
				delay = time.Second
			}
			log.Printf("accept on %s: %v; retrying in %v", ln.Addr(), err, delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		go f.handle(conn)
	}
}

// handle completes the handshake on conn, connects to the backend and
// copies between the two until both sides are done.
func (f *front) handle(raw net.Conn) {
	client := tls.Server(raw, f.config)
	defer client.Close()
	raw.SetDeadline(time.Now().Add(handshakeTimeout))
	if err := client.Handshake(); err != nil {
		// A client that refuses the certificate ends the handshake with an
		// alert: "remote error: tls: unknown certificate authority" and the
		// like in TLS 1.2; in TLS 1.3 OpenSSL's clients send it unencrypted
		// while encrypted records are due, which shows as "bad record MAC".
		f.refused.Add(1)
		log.Printf("handshake with %s: %v", raw.RemoteAddr(), err)
		return
	}
	raw.SetDeadline(time.Time{})
	f.served.Add(1)

	conn, err := net.DialTimeout("tcp", f.backend, dialTimeout)
	if err != nil {
		log.Printf("connecting to %s for %s: %v", f.backend, raw.RemoteAddr(), err)
		return
	}
	backend := conn.(*net.TCPConn)
	defer backend.Close()

	// Each direction ends with an end-of-stream passed on to the other side
	// (close_notify towards the client, a FIN towards the backend), so that
	// a side that half-closes still gets the rest of its replies.
	done := make(chan error, 2)
	go func() {
		_, err := io.Copy(backend, client)
		backend.CloseWrite()
		done <- err
	}()
	go func() {
		_, err := io.Copy(client, backend)
		client.CloseWrite()
		done <- err
	}()
	if err := <-done; err != nil && !quiet(err) {
		log.Printf("connection of %s: %v", raw.RemoteAddr(), err)
	} else if err == nil {
		// One side finished cleanly: give the other a while to finish too.
		select {
		case <-done:
		case <-time.After(drainTimeout):
		}
	}
	// The deferred closes end the copy still running, if any; its error
	// goes into the buffered channel and is dropped.
}

// quiet reports whether err is an ordinary end of a connection: the peer
// closed without close_notify, reset it, or it was closed here.
func quiet(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func init() {
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(),
			"usage: tlsfront -listen host:port[,host:port...] -backend host:port -cert file.pem -key file.key\n")
		flag.PrintDefaults()
	}
}
