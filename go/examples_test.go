package colonies

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// TestExamples builds examples/go and runs echo_executor and submitter
// against the test server: the submitter must print the echoed helloworld.
func TestExamples(t *testing.T) {
	testServer(t)
	for _, v := range []string{"COLONIES_COLONY_NAME", "COLONIES_COLONY_PRVKEY", "COLONIES_PRVKEY"} {
		if os.Getenv(v) == "" {
			t.Fatalf("%s is not set (see scripts/colonies-server env)", v)
		}
	}
	bin := buildExamples(t)

	// A type of its own, so that no other executor in the colony takes the
	// process and the executor takes no one else's.
	executorType := "echo-gotest-" + randomHex(t, 4)
	var executorLog bytes.Buffer
	executor := exec.Command(filepath.Join(bin, "echo_executor"), "-executortype", executorType, "-count", "1", "-timeout", "60s")
	executor.Stdout, executor.Stderr = &executorLog, &executorLog
	if err := executor.Start(); err != nil {
		t.Fatalf("starting echo_executor: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- executor.Wait() }()
	reaped := false
	defer func() {
		if !reaped {
			executor.Process.Kill()
			<-exited
		}
	}()

	submitter := exec.Command(filepath.Join(bin, "submitter"), "-executortype", executorType, "-timeout", "45s")
	var stderr bytes.Buffer
	submitter.Stderr = &stderr
	out, err := submitter.Output()
	if err != nil {
		t.Fatalf("submitter: %v\nstdout: %s\nstderr: %s\necho_executor: %s", err, out, &stderr, &executorLog)
	}
	if !strings.Contains(string(out), "helloworld") {
		t.Errorf("submitter printed %q, want helloworld", out)
	}
	select {
	case err := <-exited:
		reaped = true
		if err != nil {
			t.Errorf("echo_executor: %v\n%s", err, &executorLog)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("echo_executor did not exit after its one process\n%s", &executorLog)
	}
}

// TestEchoExecutorGivesUp runs echo_executor with nothing to do: each assign
// that finds nothing (ErrExpired) is asked again, not taken for a failure,
// until -timeout, when it exits 1 saying how many processes it handled.
func TestEchoExecutorGivesUp(t *testing.T) {
	testServer(t)
	bin := buildExamples(t)
	executorType := "echo-gotest-idle-" + randomHex(t, 4)
	executor := exec.Command(filepath.Join(bin, "echo_executor"), "-executortype", executorType, "-count", "1", "-timeout", "2s")
	var executorLog bytes.Buffer
	executor.Stdout, executor.Stderr = &executorLog, &executorLog
	start := time.Now()
	if err := executor.Start(); err != nil {
		t.Fatalf("starting echo_executor: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- executor.Wait() }()
	select {
	case err := <-exited:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Fatalf("echo_executor with nothing to do: %v, want exit status 1\n%s", err, &executorLog)
		}
	case <-time.After(30 * time.Second):
		executor.Process.Kill()
		<-exited
		t.Fatalf("echo_executor did not give up after its -timeout\n%s", &executorLog)
	}
	got := executorLog.String()
	if !strings.Contains(got, "handled 0 of 1 processes") || strings.Contains(got, "assign:") {
		t.Errorf("echo_executor with nothing to do logged %q, want it to give up after handling 0 of 1 processes", got)
	}
	if waited := time.Since(start); waited < 2*time.Second {
		t.Errorf("echo_executor gave up after %v, before its -timeout of 2s", waited)
	}
}
