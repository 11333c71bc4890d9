package colonies

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildExamples builds examples/go into a temporary directory and returns it.
func buildExamples(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", bin+string(filepath.Separator), "./...")
	build.Dir = filepath.Join("..", "examples", "go")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the examples: %v\n%s", err, out)
	}
	return bin
}

// The seed's examples, as examples/go/seed prints them against examples/go/executor.
var seedSays = []string{"echo       helloworld", "fail       failed: fail always fails", "workflow   3",
	"mapreduce  15", "monad      3", "wait       successful"}

// TestExamples builds examples/go, starts the executor, runs the seed's
// examples against it, and stops it with SIGTERM.
func TestExamples(t *testing.T) {
	testServer(t)
	for _, v := range []string{"COLONIES_COLONY_NAME", "COLONIES_COLONY_PRVKEY", "COLONIES_PRVKEY"} {
		if os.Getenv(v) == "" {
			t.Fatalf("%s is not set (see scripts/colonies-server env)", v)
		}
	}
	bin := buildExamples(t)
	// A type of its own, so that no other executor in the colony takes its work.
	env := append(os.Environ(), "EXECUTOR_TYPE=go-seed-"+randomHex(t, 4))
	executor := exec.Command(filepath.Join(bin, "executor"))
	executor.Env = env
	var executorLog bytes.Buffer
	executor.Stderr = &executorLog
	stdout, err := executor.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := executor.Start(); err != nil {
		t.Fatalf("starting the executor: %v", err)
	}
	defer executor.Process.Kill()
	line := make([]byte, 256)
	n, _ := stdout.Read(line)
	if !strings.HasPrefix(string(line[:n]), "executor ready") {
		t.Fatalf("the executor did not start: %q\n%s", line[:n], &executorLog)
	}

	seed := exec.Command(filepath.Join(bin, "seed"))
	seed.Env = env
	var seedErr bytes.Buffer
	seed.Stderr = &seedErr
	out, err := seed.Output()
	if err != nil {
		t.Errorf("seed: %v\nstdout: %s\nstderr: %s\nexecutor: %s", err, out, &seedErr, &executorLog)
	}
	if got := strings.Split(strings.TrimSpace(string(out)), "\n"); strings.Join(got, "|") != strings.Join(seedSays, "|") {
		t.Errorf("seed printed:\n%s\nwant:\n%s", out, strings.Join(seedSays, "\n"))
	}
	executor.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- executor.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the executor after SIGTERM: %v\n%s", err, &executorLog)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("the executor did not stop on SIGTERM\n%s", &executorLog)
	}
}
