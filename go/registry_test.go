package colonies

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

// The registry through the Go binding, with no server: every POST message
// type the server serves (as tests/upstream read it from the server's
// source) has a typed method, and each method sends the golden parameters
// the server's own constructors were fed.

type goldenFile struct {
	Served struct {
		Signed    []string `json:"signed"`
		Unsigned  []string `json:"unsigned"`
		Websocket []string `json:"websocket"`
	} `json:"served"`
	Cases []struct {
		Operation string                     `json:"operation"`
		Params    map[string]json.RawMessage `json:"params"`
	} `json:"cases"`
}

type registryOps struct {
	Operations []struct {
		Name     string `json:"name"`
		MsgType  string `json:"msgtype"`
		Signer   string `json:"signer"`
		GoMethod string `json:"go_method"`
		Params   []struct {
			Name string `json:"name"`
		} `json:"params"`
	} `json:"operations"`
}

func loadGolden(t *testing.T) (goldenFile, registryOps) {
	t.Helper()
	var g goldenFile
	text, err := os.ReadFile("../tests/golden/payloads.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(text, &g); err != nil {
		t.Fatal(err)
	}
	var reg registryOps
	if err := json.Unmarshal(Registry(), &reg); err != nil {
		t.Fatalf("the registry does not decode: %v", err)
	}
	return g, reg
}

func TestGoCoverage(t *testing.T) {
	g, reg := loadGolden(t)
	client := reflect.TypeOf(&Client{})
	ctxType := reflect.TypeOf((*context.Context)(nil)).Elem()
	methods := map[string]string{}
	for _, op := range reg.Operations {
		methods[op.MsgType] = op.GoMethod
	}
	served := append(append(append([]string{}, g.Served.Signed...), g.Served.Unsigned...), g.Served.Websocket...)
	var typed []string
	for _, msgType := range served {
		m, ok := client.MethodByName(methods[msgType])
		if !ok || methods[msgType] == "" {
			t.Errorf("no typed method for %s", msgType)
			continue
		}
		if m.Type.NumIn() < 2 || m.Type.In(1) != ctxType {
			t.Errorf("%s does not take a context.Context first", m.Name)
			continue
		}
		typed = append(typed, msgType)
	}
	t.Logf("Go coverage: %d of the %d message types the server serves (POST and websocket) have typed "+
		"methods on *Client", len(typed), len(served))
	if len(served) != 99 || len(typed) != len(served) {
		t.Errorf("coverage %d of %d, want 99 of 99", len(typed), len(served))
	}
}

func TestGeneratedMethodsSendTheGoldenParameters(t *testing.T) {
	g, reg := loadGolden(t)
	const key = "ddf7f7791208083b6a9ed975a72684f6406a269cfa36f1b1c32045c0a71fff05"
	ops := map[string]int{}
	for i, op := range reg.Operations {
		ops[op.Name] = i
	}
	for _, c := range g.Cases {
		op := reg.Operations[ops[c.Operation]]
		var got struct {
			operation string
			params    map[string]any
			prvkey    string
		}
		client := &Client{record: func(operation string, params any, prvkey string) error {
			got.operation, got.prvkey = operation, prvkey
			b, err := json.Marshal(params)
			if err == nil {
				err = json.Unmarshal(b, &got.params)
			}
			return err
		}}
		m := reflect.ValueOf(client).MethodByName(op.GoMethod)
		if !m.IsValid() {
			t.Errorf("%s: no method %s", c.Operation, op.GoMethod)
			continue
		}
		args := []reflect.Value{reflect.ValueOf(context.Background())}
		for i, p := range op.Params {
			v := reflect.New(m.Type().In(1 + i))
			if err := json.Unmarshal(c.Params[p.Name], v.Interface()); err != nil {
				t.Fatalf("%s: the golden %s does not fit %s: %v", c.Operation, p.Name, v.Elem().Type(), err)
			}
			args = append(args, v.Elem())
		}
		if op.Signer != "none" {
			args = append(args, reflect.ValueOf(key))
		}
		m.Call(args)
		var want map[string]any
		raw, _ := json.Marshal(c.Params)
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		if got.params == nil {
			got.params = map[string]any{} // nil: no parameters
		}
		if got.operation != c.Operation || !reflect.DeepEqual(got.params, want) {
			t.Errorf("%s sent %s %v\nwant %v", op.GoMethod, got.operation, got.params, want)
		}
		if (op.Signer != "none") != (got.prvkey == key) {
			t.Errorf("%s: prvkey %q", op.GoMethod, got.prvkey)
		}
	}
}
