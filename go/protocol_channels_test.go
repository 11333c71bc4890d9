package colonies

import (
	"bytes"
	"testing"
)

func TestProtocolChannels(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	executorID := mustID(t, f.executorKey)
	spec := f.spec(t, FuncSpecOptions{FuncName: "chatty", Channels: []string{"data", "control"}})
	p, err := c.SubmitFuncSpec(ctx, spec, f.executorKey)
	if err != nil {
		t.Fatalf("SubmitFuncSpec: %v", err)
	}

	entries, err := c.ChannelRead(ctx, p.ID, "data", 0, 0, f.executorKey)
	wantEmpty(t, "ChannelRead of a new channel", entries, err)

	// Bytes that are not text, and text.
	first := []byte{0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, '"', '\\', '\n'}
	second := []byte("done ✓")
	if err := c.ChannelAppend(ctx, p.ID, "data", 1, 0, first, "", f.executorKey); err != nil {
		t.Fatalf("ChannelAppend: %v", err)
	}
	if err := c.ChannelAppend(ctx, p.ID, "data", 2, 1, second, "end", f.executorKey); err != nil {
		t.Fatalf("ChannelAppend end: %v", err)
	}
	entries, err = c.ChannelRead(ctx, p.ID, "data", 0, 0, f.executorKey)
	if err != nil || len(entries) != 2 {
		t.Fatalf("ChannelRead = %+v, %v; want two entries", entries, err)
	}
	want := []ChannelEntry{
		{Sequence: 1, SenderID: executorID, Payload: first, Type: "data"},
		{Sequence: 2, InReplyTo: 1, SenderID: executorID, Payload: second, Type: "end"},
	}
	for i, e := range entries {
		w := want[i]
		if e.Sequence != w.Sequence || e.InReplyTo != w.InReplyTo || e.SenderID != w.SenderID ||
			!bytes.Equal(e.Payload, w.Payload) || e.Type != w.Type || e.Error != "" {
			t.Errorf("entry %d = %+v, want %+v", i, e, w)
		}
		wantRecent(t, "entry timestamp", e.Timestamp)
	}

	// afterseq is a position in the channel; limit caps the entries.
	rest, err := c.ChannelRead(ctx, p.ID, "data", 1, 0, f.executorKey)
	if err != nil || len(rest) != 1 || rest[0].Sequence != 2 {
		t.Errorf("ChannelRead from position 1 = %+v, %v; want entry 2", rest, err)
	}
	head, err := c.ChannelRead(ctx, p.ID, "data", 0, 1, f.executorKey)
	if err != nil || len(head) != 1 || head[0].Sequence != 1 || !bytes.Equal(head[0].Payload, first) {
		t.Errorf("ChannelRead with limit 1 = %+v, %v; want entry 1", head, err)
	}
	control, err := c.ChannelRead(ctx, p.ID, "control", 0, 0, f.executorKey)
	wantEmpty(t, "ChannelRead of the other channel", control, err)

	// Sequence numbers are int64 both ways; no payload and an empty one.
	const big = int64(1)<<62 + 1
	if err := c.ChannelAppend(ctx, p.ID, "control", big, -big, nil, "", f.executorKey); err != nil {
		t.Fatalf("ChannelAppend with a large sequence: %v", err)
	}
	if err := c.ChannelAppend(ctx, p.ID, "control", -big, big, []byte{}, "error", f.executorKey); err != nil {
		t.Fatalf("ChannelAppend with a negative sequence: %v", err)
	}
	control, err = c.ChannelRead(ctx, p.ID, "control", 0, 0, f.executorKey)
	if err != nil || len(control) != 2 {
		t.Fatalf("ChannelRead of the control channel = %+v, %v", control, err)
	}
	bySeq := map[int64]ChannelEntry{control[0].Sequence: control[0], control[1].Sequence: control[1]}
	if e, ok := bySeq[big]; !ok || e.InReplyTo != -big || len(e.Payload) != 0 || e.Type != "data" {
		t.Errorf("entry %d = %+v (found %v)", big, e, ok)
	}
	if e, ok := bySeq[-big]; !ok || e.InReplyTo != big || len(e.Payload) != 0 || e.Type != "error" {
		t.Errorf("entry %d = %+v (found %v)", -big, e, ok)
	}

	err = c.ChannelAppend(ctx, p.ID, "undeclared", 1, 0, []byte("x"), "", f.executorKey)
	wantServerError(t, "ChannelAppend to an undeclared channel", err, ErrNotFound, 404, "Channel not found")
	_, err = c.ChannelRead(ctx, p.ID, "undeclared", 0, 0, f.executorKey)
	wantServerError(t, "ChannelRead of an undeclared channel", err, ErrNotFound, 404, "Channel not found")
}
