package docs_test

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v4"

	"github.com/amal-kommun/tolk/internal/pgstore/pgtest"
)

// threeReplicas is the folder of the three-replica example of
// scaling-out.md.
const threeReplicas = "examples/three-replicas"

// serveHelp builds ./cmd/tolk and returns the binary and what tolk serve
// -h prints.
func serveHelp(t *testing.T) (bin, help string) {
	t.Helper()
	trackSources(t)
	bin = filepath.Join(t.TempDir(), "tolk")
	build := exec.Command("go", "build", "-o", bin, "./cmd/tolk")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/tolk: %v\n%s", err, out)
	}
	out, _ := exec.Command(bin, "serve", "-h").CombinedOutput()
	if !strings.Contains(string(out), "-database") {
		t.Fatalf("could not read tolk serve -h:\n%s", out)
	}
	return bin, string(out)
}

// composeFile is what TestThreeReplicaExample reads of compose.yaml.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       string            `yaml:"build"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		Ports       []string          `yaml:"ports"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

// TestThreeReplicaExample checks the three-replica example of
// scaling-out.md: compose.yaml parses and runs three tolk serve replicas
// on one PostgreSQL, each with an index volume of its own, behind nginx,
// with only flags and TOLK_* variables that tolk serve -h has; nginx.conf's
// upstream is exactly those replicas and passes nginx -t; the systemd unit
// passes systemd-analyze verify.
func TestThreeReplicaExample(t *testing.T) {
	bin, help := serveHelp(t)
	known := func(where, name string) {
		t.Helper()
		if !regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\b`).MatchString(help) {
			t.Errorf("%s: %s is not in tolk serve -h", where, name)
		}
	}
	envRE := regexp.MustCompile(`\bTOLK_[A-Z0-9_]+\b`)

	data, err := os.ReadFile(filepath.Join(threeReplicas, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	var replicas []string
	indexVolumes := map[string]string{}
	for name, s := range c.Services {
		if s.Image != "tolk" {
			continue
		}
		replicas = append(replicas, name)
		if s.Build != "../../.." {
			t.Errorf("compose.yaml: %s builds %q, want the repository (../../..)", name, s.Build)
		}
		if len(s.Command) == 0 || s.Command[0] != "serve" {
			t.Errorf("compose.yaml: %s runs %v, want tolk serve", name, s.Command)
		}
		for _, arg := range s.Command[1:] {
			if f, ok := strings.CutPrefix(arg, "--"); ok {
				known("compose.yaml "+name, "-"+strings.SplitN(f, "=", 2)[0])
			}
		}
		if !strings.Contains(s.Environment["TOLK_DATABASE_URL"], "@postgres:5432/") {
			t.Errorf("compose.yaml: %s's TOLK_DATABASE_URL %q is not the postgres service", name, s.Environment["TOLK_DATABASE_URL"])
		}
		for env := range s.Environment {
			known("compose.yaml "+name, env)
		}
		for _, v := range s.Volumes {
			if vol, ok := strings.CutSuffix(v, ":/index"); ok {
				if other, dup := indexVolumes[vol]; dup {
					t.Errorf("compose.yaml: %s and %s share the index volume %s", name, other, vol)
				}
				indexVolumes[vol] = name
				if _, ok := c.Volumes[vol]; !ok {
					t.Errorf("compose.yaml: %s's volume %s is not declared", name, vol)
				}
			}
		}
	}
	slices.Sort(replicas)
	if want := []string{"tolk-a", "tolk-b", "tolk-c"}; !slices.Equal(replicas, want) {
		t.Errorf("compose.yaml: replicas %v, want %v", replicas, want)
	}
	if len(indexVolumes) != len(replicas) {
		t.Errorf("compose.yaml: index volumes %v, want one per replica", slices.Sorted(maps.Keys(indexVolumes)))
	}
	if pg := c.Services["postgres"]; !strings.HasPrefix(pg.Image, "postgres:") {
		t.Errorf("compose.yaml: postgres service image %q", pg.Image)
	}
	if lb := c.Services["nginx"]; !strings.HasPrefix(lb.Image, "nginx:") || !slices.Contains(lb.Volumes, "./nginx.conf:/etc/nginx/nginx.conf:ro") {
		t.Errorf("compose.yaml: nginx service %+v, want nginx with ./nginx.conf", lb)
	}

	// nginx.conf's upstream: the replicas, on the port they listen on.
	conf, err := os.ReadFile(filepath.Join(threeReplicas, "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	serverRE := regexp.MustCompile(`(?m)^\s*server ([a-z0-9-]+):8080\b`)
	var upstream []string
	for _, m := range serverRE.FindAllStringSubmatch(string(conf), -1) {
		upstream = append(upstream, m[1])
	}
	slices.Sort(upstream)
	if !slices.Equal(upstream, replicas) {
		t.Errorf("nginx.conf's upstream %v, want the replicas %v", upstream, replicas)
	}
	t.Run("nginx -t", func(t *testing.T) {
		nginx := needTool(t, "nginx", "/usr/sbin/nginx")
		// nginx -t resolves the upstream's names: the replicas' become
		// this host's, and the logs go to the test's folder.
		dir := t.TempDir()
		local := serverRE.ReplaceAllString(string(conf), "        server 127.0.0.1:8080")
		file := filepath.Join(dir, "nginx.conf")
		if err := os.WriteFile(file, []byte(local), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(nginx, "-t", "-q", "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", file,
			"-g", "pid "+filepath.Join(dir, "nginx.pid")+";").CombinedOutput()
		if err != nil {
			t.Errorf("nginx -t: %v\n%s", err, out)
		}
	})

	t.Run("through nginx", func(t *testing.T) {
		if testing.Short() {
			t.Skip("starts three replicas and nginx")
		}
		nginx := needTool(t, "nginx", "/usr/sbin/nginx")
		db := pgtest.URL(t)
		if out, err := exec.Command(bin, "import", "--database", db).CombinedOutput(); err != nil {
			t.Fatalf("tolk import: %v\n%s", err, out)
		}
		// The replicas as compose.yaml runs them, on this host, with its
		// variables substituted as docker compose does: the required
		// ones set here, the others their defaults.
		set := map[string]string{"POSTGRES_PASSWORD": "unused", "TOLK_ADMIN_TOKEN": testToken}
		env := os.Environ()
		for k, v := range c.Services["tolk-a"].Environment {
			v = composeVar.ReplaceAllStringFunc(v, func(m string) string {
				p := composeVar.FindStringSubmatch(m)
				if val, ok := set[p[1]]; ok {
					return val
				}
				if p[2] == ":?" {
					t.Fatalf("compose.yaml requires %s, which this test does not set", p[1])
				}
				return p[3]
			})
			env = append(env, k+"="+v)
		}
		env = append(env, "TOLK_DATABASE_URL="+db, "TOLK_ADMIN_TOKEN="+testToken, "TOLK_TRUSTED_PROXIES=127.0.0.1", "TOLK_RATE_LIMIT=0")
		var addrs []string
		for range replicas {
			addrs = append(addrs, startReplica(t, bin, env))
		}
		// nginx.conf as it is, but for the replicas' and its own
		// addresses.
		n := 0
		local := serverRE.ReplaceAllStringFunc(string(conf), func(string) string {
			n++
			return "        server " + addrs[n-1]
		})
		lb := freeAddr(t)
		local = strings.Replace(local, "listen 80;", "listen "+lb+";", 1)
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, "logs"), 0o755); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, "nginx.conf")
		if err := os.WriteFile(file, []byte(local), 0o644); err != nil {
			t.Fatal(err)
		}
		errorLog := filepath.Join(dir, "error.log")
		cmd := exec.Command(nginx, "-p", dir, "-e", errorLog, "-c", file,
			"-g", "daemon off; pid "+filepath.Join(dir, "nginx.pid")+";")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// SIGTERM, not SIGKILL: the master stops its workers, which a
		// killed master would leave running.
		t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
		nginxLog := func() string { b, _ := os.ReadFile(errorLog); return string(b) }
		base := "http://" + lb
		waitOK(t, base+"/readyz")

		// Writes through the balancer land on every replica in turn; each
		// is read back through it at once with its Tolk-Seq, whichever
		// replica answers.
		client := &http.Client{Timeout: 15 * time.Second}
		for i := range 2 * len(replicas) {
			id := fmt.Sprintf("balans-%d", i)
			body := fmt.Sprintf(`{"title": "Balans %d", "slug": "%s", "published": "2024-01-01", "body_markdown": "Skriven genom nginx, ord%d."}`, i, id, i)
			req, _ := http.NewRequest("PUT", base+"/v1/articles/"+id+"/sv", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+testToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			seq := resp.Header.Get("Tolk-Seq")
			if resp.StatusCode != 201 || seq == "" {
				t.Fatalf("PUT %s through nginx: %d, Tolk-Seq %q\n%s", id, resp.StatusCode, seq, nginxLog())
			}
			for range len(replicas) {
				req, _ := http.NewRequest("GET", base+"/v1/articles/"+id+"?lang=sv", nil)
				req.Header.Set("Tolk-Min-Seq", seq)
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(got), fmt.Sprintf("ord%d", i)) {
					t.Errorf("GET %s through nginx with Tolk-Min-Seq %s: %d %.300s", id, seq, resp.StatusCode, got)
				}
			}
		}
	})

	// The systemd unit of a replica on a host of its own.
	unit, err := os.ReadFile(filepath.Join(threeReplicas, "tolk-replica.service"))
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range envRE.FindAllString(string(unit), -1) {
		known("tolk-replica.service", env)
	}
	t.Run("systemd-analyze verify", func(t *testing.T) {
		analyze := needTool(t, "systemd-analyze")
		const bin = "/usr/local/bin/tolk"
		if !bytes.Contains(unit, []byte("ExecStart="+bin+" serve")) {
			t.Fatalf("the unit's ExecStart no longer runs %s serve", bin)
		}
		dir := t.TempDir()
		exe := filepath.Join(dir, "tolk")
		if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		// verify wants the EnvironmentFile's folder to be real, not the
		// file: point it at the test's.
		text := strings.ReplaceAll(string(unit), bin, exe)
		text = strings.ReplaceAll(text, "EnvironmentFile=/etc/tolk/", "EnvironmentFile="+dir+"/")
		path := filepath.Join(dir, "tolk-replica.service")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(analyze, "verify", "--man=no", path).CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("systemd-analyze verify: %v\n%s", err, out)
		}
	})
}

// needTool returns the path of the program name (or the first of also
// that exists), skipping t without it, unless CI is "true": then it fails.
func needTool(t *testing.T, name string, also ...string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, p := range also {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required in CI", name)
	}
	t.Skipf("%s is not installed", name)
	return ""
}

// composeVar is a variable in compose.yaml: ${NAME:-default} or
// ${NAME:?message}.
var composeVar = regexp.MustCompile(`\$\{([A-Z_]+)(:[-?])([^}]*)\}`)

// startReplica starts bin serve on a free loopback port with env and
// returns its address once /readyz says 200.
func startReplica(t *testing.T, bin string, env []string) string {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve", "--addr", addr, "--index", t.TempDir(), "--log-level", "warn")
	cmd.Env = env
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("replica %s log:\n%s", addr, log.String())
		}
	})
	waitOK(t, "http://"+addr+"/readyz")
	return addr
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitOK polls url until it answers 200, for at most a minute.
func waitOK(t *testing.T, url string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not 200 after a minute", url)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
