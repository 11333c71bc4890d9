package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// served lists the message types the server module defines and how it
// serves each, read from its source (not from libcolonies' registry).
type served struct {
	Signed    []string `json:"signed"`    // POST /api, handled through the handler registry
	Unsigned  []string `json:"unsigned"`  // POST /api, answered before any signature check
	Websocket []string `json:"websocket"` // /pubsub subscriptions
	Unserved  []string `json:"unserved"`  // defined in pkg/rpc, served nowhere
}

// moduleDir is where the server module's source is (the module cache).
func moduleDir() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/colonyos/colonies").Output()
	if err != nil {
		return "", fmt.Errorf("go list -m github.com/colonyos/colonies: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// parseDir parses the non-test Go files under dir (recursively when deep).
func parseDir(dir string, deep bool) ([]*ast.File, error) {
	var files []*ast.File
	fset := token.NewFileSet()
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() && path != dir && !deep {
			return filepath.SkipDir
		}
		if info.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	return files, err
}

// payloadTypes maps the names of pkg/rpc's ...PayloadType constants to their values.
func payloadTypes(root string) (map[string]string, error) {
	files, err := parseDir(filepath.Join(root, "pkg", "rpc"), false)
	if err != nil {
		return nil, err
	}
	consts := map[string]string{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			spec, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, name := range spec.Names {
				if !strings.HasSuffix(name.Name, "PayloadType") || i >= len(spec.Values) {
					continue
				}
				if lit, ok := spec.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					consts[name.Name], _ = strconv.Unquote(lit.Value)
				}
			}
			return true
		})
	}
	return consts, nil
}

// rpcRefs collects the rpc.X selectors that match, in the files under dir.
func rpcRefs(dir string, deep bool, match func(n ast.Node) []ast.Expr) (map[string]bool, error) {
	files, err := parseDir(dir, deep)
	if err != nil {
		return nil, err
	}
	refs := map[string]bool{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			for _, e := range match(n) {
				if sel, ok := e.(*ast.SelectorExpr); ok {
					if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "rpc" {
						refs[sel.Sel.Name] = true
					}
				}
			}
			return true
		})
	}
	return refs, nil
}

func servedMessages() (served, error) {
	var s served
	root, err := moduleDir()
	if err != nil {
		return s, err
	}
	consts, err := payloadTypes(root)
	if err != nil {
		return s, err
	}
	// handlerRegistry.Register...(rpc.X, handler) in the handlers.
	signed, err := rpcRefs(filepath.Join(root, "pkg", "server", "handlers"), true, func(n ast.Node) []ast.Expr {
		if call, ok := n.(*ast.CallExpr); ok {
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && strings.HasPrefix(sel.Sel.Name, "Register") &&
				len(call.Args) == 2 {
				return call.Args[:1]
			}
		}
		return nil
	})
	if err != nil {
		return s, err
	}
	// rpcMsg.PayloadType == rpc.X in the server's request router, before the signature is checked.
	unsigned, err := rpcRefs(filepath.Join(root, "pkg", "server"), false, func(n ast.Node) []ast.Expr {
		if b, ok := n.(*ast.BinaryExpr); ok && b.Op == token.EQL {
			if sel, ok := b.X.(*ast.SelectorExpr); ok && sel.Sel.Name == "PayloadType" {
				return []ast.Expr{b.Y}
			}
		}
		return nil
	})
	if err != nil {
		return s, err
	}
	// case rpc.X: in the websocket endpoint's switch.
	websocket, err := rpcRefs(filepath.Join(root, "pkg", "backends"), true, func(n ast.Node) []ast.Expr {
		if c, ok := n.(*ast.CaseClause); ok {
			return c.List
		}
		return nil
	})
	if err != nil {
		return s, err
	}
	for name, value := range consts {
		switch {
		case unsigned[name]:
			s.Unsigned = append(s.Unsigned, value)
		case signed[name]:
			s.Signed = append(s.Signed, value)
		case websocket[name]:
			s.Websocket = append(s.Websocket, value)
		case strings.HasSuffix(value, "msg") && !strings.HasSuffix(value, "replymsg"):
			s.Unserved = append(s.Unserved, value)
		}
	}
	for _, l := range [][]string{s.Signed, s.Unsigned, s.Websocket, s.Unserved} {
		sort.Strings(l)
	}
	return s, nil
}
