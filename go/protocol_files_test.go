package colonies

import (
	"reflect"
	"testing"
)

// File metadata only: the bytes would live in S3, which the test server has
// not.
func TestProtocolFiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, ctx := f.c, f.ctx
	const label = "/docs"

	files, err := c.GetFiles(ctx, label, f.colony, f.executorKey)
	wantEmpty(t, "GetFiles of a new colony", files, err)
	labels, err := c.GetFileLabels(ctx, f.colony, "", false, f.executorKey)
	wantEmpty(t, "GetFileLabels of a new colony", labels, err)

	ref := Reference{Protocol: "s3", S3Object: S3Object{
		Server: "s3.example.com", Port: 9000, TLS: true, AccessKey: "ak", SecretKey: "sk", Region: "eu-north-1",
		EncryptionKey: "ek", EncryptionAlg: "AES", Object: "obj-1", Bucket: "bucket",
	}}
	v1 := File{ColonyName: f.colony, Label: label, Name: "report.pdf", Size: 1 << 33, Checksum: "c1", ChecksumAlg: "SHA256", Reference: ref}
	first, err := c.AddFile(ctx, v1, f.executorKey)
	if err != nil || first == nil {
		t.Fatalf("AddFile = %+v, %v", first, err)
	}
	wantRecent(t, "file added", first.Added)
	if first.ID == "" || first.SequenceNumber <= 0 {
		t.Errorf("AddFile gave id %q, sequence number %d", first.ID, first.SequenceNumber)
	}
	v1.ID, v1.SequenceNumber, v1.Added = first.ID, first.SequenceNumber, first.Added
	if !reflect.DeepEqual(*first, v1) {
		t.Errorf("AddFile = %+v, want %+v", *first, v1)
	}
	v2 := File{ColonyName: f.colony, Label: label, Name: "report.pdf", Size: 7, Checksum: "c2", ChecksumAlg: "SHA256"}
	second, err := c.AddFile(ctx, v2, f.executorKey)
	if err != nil || second == nil || second.ID == first.ID || second.SequenceNumber <= first.SequenceNumber {
		t.Fatalf("AddFile of a second version = %+v, %v", second, err)
	}
	if _, err := c.AddFile(ctx, File{ColonyName: f.colony, Label: label + "/old", Name: "notes.txt", Size: 3}, f.executorKey); err != nil {
		t.Fatalf("AddFile in a sub-label: %v", err)
	}

	got, err := c.GetFile(ctx, f.colony, first.ID, "", "", false, f.executorKey)
	if err != nil || len(got) != 1 || got[0].ID != first.ID || got[0].Size != 1<<33 || !reflect.DeepEqual(got[0].Reference, ref) {
		t.Errorf("GetFile by id = %+v, %v; want [%+v]", got, err, v1)
	}
	got, err = c.GetFile(ctx, f.colony, "", label, "report.pdf", false, f.executorKey)
	if err != nil || len(got) != 2 || got[0].ID != second.ID || got[1].ID != first.ID {
		t.Errorf("GetFile of every version = %+v, %v; want the second, then the first", got, err)
	}
	got, err = c.GetFile(ctx, f.colony, "", label, "report.pdf", true, f.executorKey)
	if err != nil || len(got) != 1 || got[0].ID != second.ID || got[0].Checksum != "c2" {
		t.Errorf("GetFile latest = %+v, %v; want [%s]", got, err, second.ID)
	}
	_, err = c.GetFile(ctx, f.colony, first.ID, label, "report.pdf", false, f.executorKey)
	if e := wantKind(t, "GetFile by both id and name", err, ErrInvalidArgument); e.HTTPStatus != 0 {
		t.Errorf("GetFile by both id and name was sent: HTTP %d", e.HTTPStatus)
	}

	files, err = c.GetFiles(ctx, label, f.colony, f.executorKey)
	want := []FileData{{Name: "report.pdf", Checksum: "c2", Size: 7}}
	if err != nil || !reflect.DeepEqual(files, want) {
		t.Errorf("GetFiles = %+v, %v; want %+v", files, err, want)
	}
	labels, err = c.GetFileLabels(ctx, f.colony, "", false, f.executorKey)
	if err != nil || !sameLabels(labels, []FileLabel{{label, 2}, {label + "/old", 1}}) {
		t.Errorf("GetFileLabels = %+v, %v", labels, err)
	}
	labels, err = c.GetFileLabels(ctx, f.colony, label+"/o", false, f.executorKey)
	if err != nil || !sameLabels(labels, []FileLabel{{label + "/old", 1}}) {
		t.Errorf("GetFileLabels by prefix = %+v, %v", labels, err)
	}
	labels, err = c.GetFileLabels(ctx, f.colony, label, true, f.executorKey)
	if err != nil || !sameLabels(labels, []FileLabel{{label, 2}, {label + "/old", 1}}) {
		t.Errorf("GetFileLabels exact = %+v, %v", labels, err)
	}

	// By id, then every version by label and name.
	if err := c.RemoveFile(ctx, f.colony, first.ID, "", "", f.executorKey); err != nil {
		t.Fatalf("RemoveFile by id: %v", err)
	}
	_, err = c.GetFile(ctx, f.colony, first.ID, "", "", false, f.executorKey)
	wantServerError(t, "GetFile of a removed id", err, ErrNotFound, 400, "Failed to get file")
	if err := c.RemoveFile(ctx, f.colony, "", label, "report.pdf", f.executorKey); err != nil {
		t.Fatalf("RemoveFile by name: %v", err)
	}
	_, err = c.GetFile(ctx, f.colony, "", label, "report.pdf", false, f.executorKey)
	wantServerError(t, "GetFile of a removed name", err, ErrNotFound, 404, "Failed to get file")
	files, err = c.GetFiles(ctx, label, f.colony, f.executorKey)
	wantEmpty(t, "GetFiles after RemoveFile", files, err)
}

func sameLabels(got, want []FileLabel) bool {
	if len(got) != len(want) {
		return false
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			return false
		}
	}
	return true
}
