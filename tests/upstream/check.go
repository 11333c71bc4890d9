package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// encodeGolden is the golden file's exact text.
func encodeGolden(g golden) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	err := enc.Encode(g)
	return b.Bytes(), err
}

// writeGolden regenerates the golden file from the server's code.
func writeGolden(registryPath, goldenPath string) error {
	g, err := goldenPayloads(registryPath)
	if err != nil {
		return err
	}
	text, err := encodeGolden(g)
	if err != nil {
		return err
	}
	return os.WriteFile(goldenPath, text, 0o644)
}

// check fails when the committed golden file is not what the server's code
// gives now, or when the registry's types differ from the server's.
func check(registryPath, goldenPath string) error {
	g, err := goldenPayloads(registryPath)
	if err != nil {
		return err
	}
	want, err := encodeGolden(g)
	if err != nil {
		return err
	}
	have, err := os.ReadFile(goldenPath)
	if err != nil {
		return err
	}
	var problems []string
	if !bytes.Equal(have, want) {
		problems = append(problems, goldenPath+" is not what the server's constructors give: run `go run . write "+
			registryPath+" "+goldenPath+"` in tests/upstream")
	}
	problems = append(problems, checkTypes(registryPath)...)
	fmt.Printf("server %s serves %d message types over POST (%d signed, %d unsigned) and %d websocket "+
		"subscriptions; %d defined without a handler; %d golden payloads\n",
		g.Server, len(g.Served.Signed)+len(g.Served.Unsigned), len(g.Served.Signed), len(g.Served.Unsigned),
		len(g.Served.Websocket), len(g.Served.Unserved), len(g.Cases))
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	fmt.Println("the golden payloads and the registry's types match the server's code")
	return nil
}

type registryTypes struct {
	Types []struct {
		Name   string `json:"name"`
		Server string `json:"server"`
		Fields []struct {
			Name     string `json:"name"`
			Type     string `json:"type"`
			Go       string `json:"go"`
			Optional bool   `json:"optional"`
		} `json:"fields"`
	} `json:"types"`
}

// checkTypes compares the registry's types, field by field, with the
// server's, read by reflection.
func checkTypes(registryPath string) []string {
	text, err := os.ReadFile(registryPath)
	if err != nil {
		return []string{err.Error()}
	}
	var reg registryTypes
	if err := json.Unmarshal(text, &reg); err != nil {
		return []string{err.Error()}
	}
	server := describeTypes()
	qualified := map[string]string{}
	for _, t := range reg.Types {
		qualified[t.Name] = t.Server
	}
	word := regexp.MustCompile(`[A-Za-z][A-Za-z0-9]*`)
	translate := func(expr string) string {
		return word.ReplaceAllStringFunc(expr, func(w string) string {
			if q, ok := qualified[w]; ok {
				return q
			}
			return w
		})
	}
	var problems []string
	seen := map[string]bool{}
	for _, t := range reg.Types {
		if t.Server == "" {
			continue // the client's own type (a local operation's reply), not the server's
		}
		seen[t.Server] = true
		fields, ok := server[t.Server]
		if !ok {
			problems = append(problems, fmt.Sprintf("type %s: the server has no type %s", t.Name, t.Server))
			continue
		}
		if len(fields) != len(t.Fields) {
			problems = append(problems, fmt.Sprintf("type %s: %d fields, the server's %s has %d", t.Name,
				len(t.Fields), t.Server, len(fields)))
			continue
		}
		for i, f := range t.Fields {
			s := fields[i]
			optional := s.OmitEmpty || s.Pointer
			if f.Name != s.Name || translate(f.Type) != s.Type || f.Go != s.Go || f.Optional != optional {
				problems = append(problems, fmt.Sprintf("type %s field %d: registry %s %s (Go %s, optional %v), "+
					"server %s %s (Go %s, optional %v)", t.Name, i, f.Name, translate(f.Type), f.Go, f.Optional,
					s.Name, s.Type, s.Go, optional))
			}
		}
	}
	for name := range server {
		if !seen[name] {
			problems = append(problems, fmt.Sprintf("the server's type %s, which crosses the wire, is not in the registry", name))
		}
	}
	return problems
}
