// Package colonies is a Go client for a ColonyOS (Colonies) server, built on
// libcolonies, the C client SDK.
//
// Link against an installed libcolonies: with its lib/pkgconfig directory on
// PKG_CONFIG_PATH, go build finds it through pkg-config.
//
// A Client talks to one server and is safe for concurrent use. It has a
// method for every operation of the protocol, generated from the core's
// registry (see generated.go and docs/protocol.md): each takes a
// context.Context first, whose deadline and cancellation stop the call, and
// the private key that signs it (64 hex characters) last, and returns
// (T, error). A failure is an *Error, whose kind can be tested with
// errors.Is, e.g. errors.Is(err, colonies.ErrNotFound). An assign that finds
// no process in its time is ErrExpired; a request that is not safe to send
// twice and whose reply was lost is ErrInDoubt, and is never sent again.
//
//	c, err := colonies.NewClient("localhost", 50080)
//	if err != nil { ... }
//	defer c.Close()
//	spec, err := colonies.NewFuncSpec(colonies.FuncSpecOptions{
//		FuncName: "echo", ColonyName: "dev", ExecutorType: "echo-executor",
//		Args: []any{"helloworld"},
//	})
//	p, err := c.SubmitFuncSpec(ctx, spec, prvkey)
package colonies
