package colonies

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The colony file system against the real Colonies and S3 servers (the
// AWS_S3_* variables of scripts/s3-server).
func TestFileSystem(t *testing.T) {
	t.Parallel()
	if os.Getenv("AWS_S3_ENDPOINT") == "" {
		t.Fatal(`AWS_S3_ENDPOINT is not set: run eval "$(scripts/s3-server env)" first`)
	}
	f := newFixture(t)
	c, ctx, key := f.c, f.ctx, f.executorKey
	dir := t.TempDir()

	src := filepath.Join(dir, "größe ✓.txt")
	if err := os.WriteFile(src, []byte("from Go"), 0o644); err != nil {
		t.Fatal(err)
	}
	file, err := c.UploadFile(ctx, f.colony, "go/", src, "", key)
	if err != nil || file == nil || file.Label != "/go" || file.Name != "größe ✓.txt" || file.Size != 7 || file.ChecksumAlg != "SHA256" {
		t.Fatalf("UploadFile = %+v, %v", file, err)
	}
	local, err := c.DownloadFile(ctx, f.colony, filepath.Join(dir, "down"), "/go", file.Name, "", true, key)
	if err != nil || local == nil || local.File.ID != file.ID {
		t.Fatalf("DownloadFile = %+v, %v", local, err)
	}
	if got, err := os.ReadFile(local.Path); err != nil || string(got) != "from Go" {
		t.Errorf("the downloaded file holds %q, %v", got, err)
	}

	data := []byte{0, 1, 2, 255}
	added, err := c.UploadData(ctx, f.colony, "/go", "raw.bin", data, key)
	if err != nil || added == nil || added.Size != 4 {
		t.Fatalf("UploadData = %+v, %v", added, err)
	}
	content, err := c.DownloadData(ctx, f.colony, "", "", added.ID, true, key)
	if err != nil || content == nil || !bytes.Equal(content.Data, data) {
		t.Fatalf("DownloadData = %+v, %v", content, err)
	}

	// Sync down into a new directory, then nothing left to do.
	plans, err := c.Sync(ctx, f.colony, filepath.Join(dir, "synced"), "/go", false, false, key)
	if err != nil || len(plans) != 1 || len(plans[0].Download) != 2 {
		t.Fatalf("Sync = %+v, %v", plans, err)
	}
	plans, err = c.Sync(ctx, f.colony, filepath.Join(dir, "synced"), "/go", false, false, key)
	if err != nil || len(plans) != 1 || plans[0].Unchanged != 2 || len(plans[0].Download)+len(plans[0].Upload)+len(plans[0].Conflicts) != 0 {
		t.Fatalf("Sync again = %+v, %v", plans, err)
	}

	removed, err := c.DeleteFile(ctx, f.colony, "/go", "raw.bin", "", key)
	if err != nil || len(removed) != 1 {
		t.Fatalf("DeleteFile = %+v, %v", removed, err)
	}
	if _, err := c.DownloadData(ctx, f.colony, "/go", "raw.bin", "", true, key); !errors.Is(err, ErrNotFound) {
		t.Errorf("DownloadData of a deleted file: %v, want ErrNotFound", err)
	}
	if _, err := c.UploadFile(ctx, f.colony, "/go", filepath.Join(dir, "missing"), "", key); !errors.Is(err, ErrIO) {
		t.Errorf("UploadFile of a missing file: %v, want ErrIO", err)
	}

	// The context stops a transfer: an upload of 64 MiB given 50 ms.
	big := filepath.Join(dir, "big.bin")
	if err := os.WriteFile(big, make([]byte, 64<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.UploadFile(short, f.colony, "/go", big, "", key)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("UploadFile given 50 ms: %v after %v", err, time.Since(start))
	}
	if _, err := c.GetFile(ctx, f.colony, "", "/go", "big.bin", true, key); !errors.Is(err, ErrNotFound) {
		t.Errorf("a stopped upload left metadata: %v", err)
	}
}
