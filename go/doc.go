// Package colonies is a Go client for a ColonyOS (Colonies) server, built on
// libcolonies, the C client SDK.
//
// Link against an installed libcolonies: with its lib/pkgconfig directory on
// PKG_CONFIG_PATH, go build finds it through pkg-config.
//
// A Client talks to one server and is safe for concurrent use. Every call is
// signed with the private key it is given (64 hex characters) and returns
// (T, error); a failure is an *Error, whose kind can be tested with
// errors.Is, e.g. errors.Is(err, colonies.ErrNotFound).
//
//	c, err := colonies.NewClient("localhost", 50080)
//	if err != nil { ... }
//	defer c.Close()
//	spec, err := colonies.NewFuncSpec(colonies.FuncSpecOptions{
//		FuncName: "echo", ColonyName: "dev", ExecutorType: "echo-executor",
//		Args: []any{"helloworld"},
//	})
//	p, err := c.Submit(spec, prvkey)
package colonies
