// Command upstream reads facts from the Colonies server's own Go module, so
// that libcolonies' tests compare the registry with something it did not
// write. See tests/upstream/README.md.
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: upstream types|served|golden REGISTRY.json|write REGISTRY.json GOLDEN.json|check REGISTRY.json GOLDEN.json")
		os.Exit(2)
	}
	var v any
	switch os.Args[1] {
	case "types":
		v = describeTypes()
	case "golden":
		if len(os.Args) < 3 {
			fmt.Fprintln(os.Stderr, "usage: upstream golden REGISTRY.json")
			os.Exit(2)
		}
		g, err := goldenPayloads(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		v = g
	case "write", "check":
		if len(os.Args) < 4 {
			fmt.Fprintln(os.Stderr, "usage: upstream write|check REGISTRY.json GOLDEN.json")
			os.Exit(2)
		}
		run := writeGolden
		if os.Args[1] == "check" {
			run = check
		}
		if err := run(os.Args[2], os.Args[3]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	case "served":
		s, err := servedMessages()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		v = s
	default:
		fmt.Fprintln(os.Stderr, "unknown command", os.Args[1])
		os.Exit(2)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
