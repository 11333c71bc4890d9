package colonies

import (
	"reflect"
	"testing"
)

func TestProtocolBlueprints(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	executorID := mustID(t, f.executorKey)
	// The server finds a kind's definition in any colony: a kind of our own.
	kind := "Widget" + randomHex(t, 4)
	defName := "widgets-" + randomHex(t, 4) + ".test"

	defs, err := c.GetBlueprintDefinitions(ctx, f.colony, f.colonyKey)
	wantEmpty(t, "GetBlueprintDefinitions of a new colony", defs, err)
	bps, err := c.GetBlueprints(ctx, f.colony, "", "", f.executorKey)
	wantEmpty(t, "GetBlueprints of a new colony", bps, err)

	wantDef := BlueprintDefinition{
		Kind:     "BlueprintDefinition",
		Metadata: BlueprintMetadata{Name: defName, ColonyName: f.colony},
		Spec: BlueprintDefinitionSpec{
			Group: "test.colonies", Version: "v1", Scope: "Namespaced",
			Names: BlueprintDefinitionNames{Kind: kind, ListKind: kind + "List", Singular: "widget", Plural: "widgets", ShortNames: []string{"wd"}},
			Schema: &ValidationSchema{Type: "object", Required: []string{"replicas"}, Properties: map[string]SchemaProperty{
				"replicas": {Type: "number", Description: "how many"},
				"image":    {Type: "string", Default: "nginx"},
				"mode":     {Type: "string", Enum: []any{"fast", "safe"}},
				"ports":    {Type: "array", Items: &SchemaProperty{Type: "number"}},
			}},
			Handler: HandlerSpec{ExecutorType: f.executorType, FunctionName: "reconcile", ReconcileInterval: 30},
		},
	}
	def, err := c.AddBlueprintDefinition(ctx, wantDef, f.colonyKey)
	if err != nil || def == nil || def.ID == "" {
		t.Fatalf("AddBlueprintDefinition = %+v, %v", def, err)
	}
	wantDef.ID = def.ID
	if !reflect.DeepEqual(*def, wantDef) {
		t.Errorf("AddBlueprintDefinition = %+v\nwant %+v", *def, wantDef)
	}
	_, err = c.AddBlueprintDefinition(ctx, wantDef, f.executorKey)
	wantServerError(t, "AddBlueprintDefinition by an executor", err, ErrForbidden, 403, "Access denied, not colony owner")
	for who, key := range map[string]string{"the colony owner": f.colonyKey, "an executor": f.executorKey} {
		got, err := c.GetBlueprintDefinition(ctx, f.colony, defName, key)
		if err != nil || got == nil || !reflect.DeepEqual(*got, wantDef) {
			t.Errorf("GetBlueprintDefinition by %s = %+v, %v", who, got, err)
		}
		defs, err := c.GetBlueprintDefinitions(ctx, f.colony, key)
		if err != nil || len(defs) != 1 || !reflect.DeepEqual(defs[0], wantDef) {
			t.Errorf("GetBlueprintDefinitions by %s = %+v, %v", who, defs, err)
		}
	}

	want := Blueprint{
		Kind: kind,
		Metadata: BlueprintMetadata{Name: "w1", ColonyName: f.colony, LocationName: "lab",
			Labels: map[string]string{"tier": "web"}, Annotations: map[string]string{"owner": "ops"}},
		Spec: map[string]any{"replicas": 3.0, "image": "nginx", "ports": []any{80.0, 443.0}},
	}
	bp, err := c.AddBlueprint(ctx, want, f.executorKey)
	if err != nil || bp == nil || bp.ID == "" {
		t.Fatalf("AddBlueprint = %+v, %v", bp, err)
	}
	want.ID = bp.ID
	if !reflect.DeepEqual(*bp, want) {
		t.Errorf("AddBlueprint = %+v\nwant %+v", *bp, want)
	}
	_, err = c.AddBlueprint(ctx, want, f.executorKey)
	wantServerError(t, "AddBlueprint twice", err, ErrServer, 409, "blueprint with name 'w1' already exists in colony '"+f.colony+"'")
	_, err = c.AddBlueprint(ctx, Blueprint{Kind: kind, Metadata: BlueprintMetadata{Name: "bad", ColonyName: f.colony}, Spec: map[string]any{"image": "x"}}, f.executorKey)
	wantKind(t, "AddBlueprint without a required property", err, ErrServer)

	got, err := c.GetBlueprint(ctx, f.colony, "w1", f.colonyKey)
	if err != nil || got == nil || !reflect.DeepEqual(*got, want) {
		t.Errorf("GetBlueprint = %+v, %v; want %+v", got, err, want)
	}
	bps, err = c.GetBlueprints(ctx, f.colony, kind, "lab", f.executorKey)
	if err != nil || len(bps) != 1 || !reflect.DeepEqual(bps[0], want) {
		t.Errorf("GetBlueprints(kind, location) = %+v, %v", bps, err)
	}
	bps, err = c.GetBlueprints(ctx, f.colony, kind+"Other", "", f.executorKey)
	wantEmpty(t, "GetBlueprints of another kind", bps, err)

	// A changed spec makes a new generation; forcegeneration does too.
	want.Spec["replicas"] = 5.0
	updated, err := c.UpdateBlueprint(ctx, want, false, f.executorKey)
	if err != nil || updated == nil || updated.ID != bp.ID || updated.Metadata.Generation != 1 || updated.Spec["replicas"] != 5.0 {
		t.Fatalf("UpdateBlueprint = %+v, %v; want generation 1", updated, err)
	}
	forced, err := c.UpdateBlueprint(ctx, *updated, true, f.executorKey)
	if err != nil || forced == nil || forced.Metadata.Generation != 2 {
		t.Errorf("UpdateBlueprint forced = %+v, %v; want generation 2", forced, err)
	}

	status := map[string]any{"phase": "Running", "ready": 5.0, "pods": []any{"a", "b"}}
	if err := c.UpdateBlueprintStatus(ctx, f.colony, "w1", status, f.executorKey); err != nil {
		t.Fatalf("UpdateBlueprintStatus: %v", err)
	}
	err = c.UpdateBlueprintStatus(ctx, f.colony, "w1", status, f.colonyKey)
	wantServerError(t, "UpdateBlueprintStatus by the colony owner", err, ErrForbidden, 403, notMember(f.colony))
	got, err = c.GetBlueprint(ctx, f.colony, "w1", f.executorKey)
	if err != nil || !reflect.DeepEqual(got.Status, status) || got.Metadata.Generation != 2 || got.Spec["replicas"] != 5.0 {
		t.Errorf("GetBlueprint after the status = %+v, %v; want status %v", got, err, status)
	}

	p, err := c.ReconcileBlueprint(ctx, f.colony, "w1", true, f.executorKey)
	if err != nil || p == nil {
		t.Fatalf("ReconcileBlueprint = %+v, %v", p, err)
	}
	wantKwargs := map[string]any{"blueprintName": "w1", "kind": kind, "force": true}
	if p.ID == "" || p.State != ProcessWaiting || p.InitiatorID != executorID || p.FunctionSpec.FuncName != "reconcile" ||
		p.FunctionSpec.Conditions.ExecutorType != f.executorType || p.FunctionSpec.Conditions.LocationName != "lab" ||
		!reflect.DeepEqual(p.FunctionSpec.KwArgs, wantKwargs) {
		t.Errorf("ReconcileBlueprint = %+v, want a reconcile process with kwargs %v", p, wantKwargs)
	}
	_, err = c.ReconcileBlueprint(ctx, f.colony, "w1", false, f.colonyKey)
	wantServerError(t, "ReconcileBlueprint by the colony owner", err, ErrForbidden, 403, notMember(f.colony))

	history, err := c.GetBlueprintHistory(ctx, bp.ID, 0, f.executorKey)
	if err != nil || len(history) < 3 {
		t.Fatalf("GetBlueprintHistory = %+v, %v; want create and updates", history, err)
	}
	first, last := history[len(history)-1], history[0]
	if first.ChangeType != "create" || first.Generation != 0 || first.Spec["replicas"] != 3.0 ||
		last.ChangeType != "update" || last.Generation < 2 || last.Spec["replicas"] != 5.0 {
		t.Errorf("GetBlueprintHistory: oldest %+v, newest %+v", first, last)
	}
	for _, h := range history {
		if h.ID == "" || h.BlueprintID != bp.ID || h.Kind != kind || h.Namespace != f.colony || h.Name != "w1" || h.ChangedBy != executorID {
			t.Errorf("history entry %+v", h)
		}
		wantRecent(t, "history timestamp", h.Timestamp)
	}
	one, err := c.GetBlueprintHistory(ctx, bp.ID, 1, f.colonyKey)
	if err != nil || len(one) != 1 || one[0].ID != last.ID {
		t.Errorf("GetBlueprintHistory with limit 1 = %+v, %v; want the newest", one, err)
	}

	err = c.RemoveBlueprintDefinition(ctx, f.colony, defName, f.colonyKey)
	wantServerError(t, "RemoveBlueprintDefinition in use", err, ErrServer, 409,
		"cannot remove BlueprintDefinition '"+defName+"': 1 blueprint(s) of kind '"+kind+"' still exist")
	if err := c.RemoveBlueprint(ctx, f.colony, "w1", f.executorKey); err != nil {
		t.Fatalf("RemoveBlueprint: %v", err)
	}
	_, err = c.GetBlueprint(ctx, f.colony, "w1", f.executorKey)
	wantServerError(t, "GetBlueprint of a removed blueprint", err, ErrNotFound, 404, "Blueprint not found")
	bps, err = c.GetBlueprints(ctx, f.colony, "", "", f.colonyKey)
	wantEmpty(t, "GetBlueprints after RemoveBlueprint", bps, err)
	if err := c.RemoveBlueprintDefinition(ctx, f.colony, defName, f.colonyKey); err != nil {
		t.Fatalf("RemoveBlueprintDefinition: %v", err)
	}
	_, err = c.GetBlueprintDefinition(ctx, f.colony, defName, f.colonyKey)
	wantServerError(t, "GetBlueprintDefinition of a removed definition", err, ErrNotFound, 404, "Blueprint definition not found")
	defs, err = c.GetBlueprintDefinitions(ctx, f.colony, f.colonyKey)
	wantEmpty(t, "GetBlueprintDefinitions after removal", defs, err)
}
