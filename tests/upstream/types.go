package main

import (
	"reflect"
	"strings"
	"time"

	"github.com/colonyos/colonies/pkg/channel"
	"github.com/colonyos/colonies/pkg/cluster"
	"github.com/colonyos/colonies/pkg/core"
	"github.com/colonyos/colonies/pkg/rpc"
)

// serverTypes are the server's types that cross the wire: the messages'
// object parameters and the replies. Every type they contain is described too.
var serverTypes = []reflect.Type{
	reflect.TypeOf(core.Attribute{}),
	reflect.TypeOf(core.Blueprint{}),
	reflect.TypeOf(core.BlueprintDefinition{}),
	reflect.TypeOf(core.BlueprintHistory{}),
	reflect.TypeOf(core.Colony{}),
	reflect.TypeOf(core.Cron{}),
	reflect.TypeOf(core.Executor{}),
	reflect.TypeOf(core.File{}),
	reflect.TypeOf(core.FileData{}),
	reflect.TypeOf(core.Function{}),
	reflect.TypeOf(core.FunctionSpec{}),
	reflect.TypeOf(core.Generator{}),
	reflect.TypeOf(core.Label{}),
	reflect.TypeOf(core.Location{}),
	reflect.TypeOf(core.Log{}),
	reflect.TypeOf(core.Process{}),
	reflect.TypeOf(core.ProcessGraph{}),
	reflect.TypeOf(core.ServerInfo{}),
	reflect.TypeOf(core.Snapshot{}),
	reflect.TypeOf(core.Statistics{}),
	reflect.TypeOf(core.User{}),
	reflect.TypeOf(core.WorkflowSpec{}),
	reflect.TypeOf(channel.MsgEntry{}),
	reflect.TypeOf(cluster.Config{}),
	reflect.TypeOf(rpc.PauseStatusReplyMsg{}),
	reflect.TypeOf(rpc.VersionMsg{}),
}

type fieldDesc struct {
	Name      string `json:"name"`
	Go        string `json:"go"`
	Type      string `json:"type"`
	OmitEmpty bool   `json:"omitempty,omitempty"`
	Pointer   bool   `json:"pointer,omitempty"`
}

// describeTypes walks the server's types and every struct they contain, and
// describes each struct's JSON fields in the registry's type grammar, with
// the server's qualified type names ("core.Process").
func describeTypes() map[string][]fieldDesc {
	out := map[string][]fieldDesc{}
	var walk func(t reflect.Type)
	var kind func(t reflect.Type) string
	kind = func(t reflect.Type) string {
		if t == reflect.TypeOf(time.Time{}) {
			return "time"
		}
		switch t.Kind() {
		case reflect.Ptr:
			return kind(t.Elem())
		case reflect.String:
			return "string"
		case reflect.Bool:
			return "bool"
		case reflect.Int, reflect.Int32:
			return "int"
		case reflect.Int64:
			return "int64"
		case reflect.Float32, reflect.Float64:
			return "float"
		case reflect.Interface:
			return "any"
		case reflect.Slice:
			if t.Elem().Kind() == reflect.Uint8 {
				return "bytes"
			}
			return "list<" + kind(t.Elem()) + ">"
		case reflect.Map:
			return "map<" + kind(t.Elem()) + ">"
		case reflect.Struct:
			walk(t)
			return t.String()
		}
		return "?" + t.String()
	}
	walk = func(t reflect.Type) {
		name := t.String()
		if _, done := out[name]; done {
			return
		}
		out[name] = nil
		var fields []fieldDesc
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if !f.IsExported() || tag == "-" {
				continue
			}
			parts := strings.Split(tag, ",")
			jsonName := parts[0]
			if jsonName == "" {
				jsonName = f.Name
			}
			fields = append(fields, fieldDesc{Name: jsonName, Go: f.Name, Type: kind(f.Type),
				OmitEmpty: len(parts) > 1 && parts[1] == "omitempty", Pointer: f.Type.Kind() == reflect.Ptr})
		}
		out[name] = fields
	}
	for _, t := range serverTypes {
		walk(t)
	}
	return out
}
