// Package image checks the release image scripts/image.sh builds (the OCI
// archive in RPK_IMAGE_ARCHIVE, which scripts/test.sh sets): a manifest list
// for linux/amd64 and linux/arm64, each FROM scratch with the binary, the CA
// bundle, a numeric non-root user, no shell, OCI labels and a bounded size,
// and the same layout as the Dockerfile's final stage.
package image

import (
	"archive/tar"
	"bufio"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// maxCompressedBytes bounds each image's compressed layers: the static
// binary and the CA bundle, gzipped.
const maxCompressedBytes = 40 << 20

func archiveIndex(t *testing.T) v1.ImageIndex {
	t.Helper()
	archive := os.Getenv("RPK_IMAGE_ARCHIVE")
	if archive == "" {
		if os.Getenv("RPK_E2E") == "1" {
			t.Fatal("RPK_IMAGE_ARCHIVE is unset: scripts/test.sh builds the image with scripts/image.sh --oci-archive")
		}
		t.Skip("set RPK_IMAGE_ARCHIVE to an archive from scripts/image.sh --oci-archive")
	}
	dir := t.TempDir()
	untar(t, archive, dir)
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	// An OCI layout's index.json points at the manifest list.
	m, err := idx.IndexManifest()
	if err != nil || len(m.Manifests) != 1 {
		t.Fatalf("index.json: %+v, %v; want one manifest list", m, err)
	}
	list, err := idx.ImageIndex(m.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func untar(t *testing.T, archive, dir string) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(dir, filepath.Clean("/"+h.Name))
		if h.Typeflag == tar.TypeDir {
			_ = os.MkdirAll(target, 0o755)
			continue
		}
		_ = os.MkdirAll(filepath.Dir(target), 0o755)
		out, err := os.Create(target)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, tr); err != nil {
			t.Fatal(err)
		}
		out.Close()
	}
}

// files lists the regular files of an image's layers with their modes.
func files(t *testing.T, img v1.Image) map[string]int64 {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if h.Typeflag == tar.TypeReg || h.Typeflag == tar.TypeSymlink {
				out["/"+strings.TrimPrefix(h.Name, "/")] = h.Mode
			}
		}
		rc.Close()
	}
	return out
}

func TestReleaseImage(t *testing.T) {
	list := archiveIndex(t)
	m, err := list.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var platforms []string
	for _, d := range m.Manifests {
		if d.Platform == nil {
			t.Fatalf("manifest %s has no platform", d.Digest)
		}
		platform := d.Platform.OS + "/" + d.Platform.Architecture
		platforms = append(platforms, platform)
		img, err := list.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		c := cf.Config
		if cf.OS+"/"+cf.Architecture != platform {
			t.Errorf("%s: config says %s/%s", platform, cf.OS, cf.Architecture)
		}
		if c.User != "65532:65532" || !slices.Equal(c.Entrypoint, []string{"/runpod-kubelet"}) || len(c.Cmd) != 0 {
			t.Errorf("%s: user %q entrypoint %q cmd %q; want 65532:65532, [/runpod-kubelet], none", platform, c.User, c.Entrypoint, c.Cmd)
		}
		for _, label := range []string{"org.opencontainers.image.source", "org.opencontainers.image.revision", "org.opencontainers.image.version"} {
			if c.Labels[label] == "" {
				t.Errorf("%s: label %s is missing", platform, label)
			}
		}
		fs := files(t, img)
		if fs["/runpod-kubelet"]&0o111 == 0 || fs["/etc/ssl/certs/ca-certificates.crt"] == 0 {
			t.Errorf("%s: files %v; want an executable /runpod-kubelet and the CA bundle", platform, fs)
		}
		if len(fs) != 2 {
			t.Errorf("%s: files %v; want only the binary and the CA bundle (no shell, nothing else)", platform, fs)
		}
		var size int64
		layers, _ := img.Layers()
		for _, l := range layers {
			n, err := l.Size()
			if err != nil {
				t.Fatal(err)
			}
			size += n
		}
		t.Logf("%s: %d layers, %.1f MB compressed", platform, len(layers), float64(size)/1e6)
		if size > maxCompressedBytes {
			t.Errorf("%s: %d compressed bytes, over the %d bound", platform, size, maxCompressedBytes)
		}
	}
	slices.Sort(platforms)
	if !slices.Equal(platforms, []string{"linux/amd64", "linux/arm64"}) {
		t.Errorf("platforms %v, want linux/amd64 and linux/arm64", platforms)
	}
}

// The Dockerfile's final stage lays the image out as scripts/image.sh does:
// FROM scratch, the binary and the CA bundle at the same paths, the same
// user, entrypoint, ports and label keys.
func TestDockerfileMatchesImageScript(t *testing.T) {
	final := finalStage(t, "../../Dockerfile")
	script, err := os.ReadFile("../../scripts/image.sh")
	if err != nil {
		t.Fatal(err)
	}
	s := string(script)
	want := map[string]bool{
		"FROM scratch":                       strings.Contains(s, "scratch"),
		"USER 65532:65532":                   strings.Contains(s, "--user 65532:65532"),
		`ENTRYPOINT ["/runpod-kubelet"]`:     strings.Contains(s, `--entrypoint '["/runpod-kubelet"]'`),
		"EXPOSE 10250 8080":                  strings.Contains(s, "--port 10250 --port 8080"),
		"/runpod-kubelet":                    strings.Contains(s, `"$work/$arch/runpod-kubelet" /runpod-kubelet`),
		"/etc/ssl/certs/ca-certificates.crt": strings.Contains(s, `"$ca" /etc/ssl/certs/ca-certificates.crt`),
	}
	for line, inScript := range want {
		if !inScript {
			t.Errorf("scripts/image.sh no longer has %q", line)
		}
		if !strings.Contains(final, line) {
			t.Errorf("the Dockerfile's final stage lacks %q:\n%s", line, final)
		}
	}
	for _, label := range []string{"org.opencontainers.image.source", "org.opencontainers.image.revision", "org.opencontainers.image.version"} {
		if !strings.Contains(final, label) || !strings.Contains(s, label) {
			t.Errorf("label %s: Dockerfile %v, image.sh %v", label, strings.Contains(final, label), strings.Contains(s, label))
		}
	}
}

// finalStage is the Dockerfile's last FROM and what follows, one
// instruction per line, continuations joined.
func finalStage(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var stage []string
	var cont string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cont += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		line, cont = cont+line, ""
		if strings.HasPrefix(line, "FROM ") {
			stage = nil
		}
		stage = append(stage, line)
	}
	return strings.Join(stage, "\n")
}
