package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The code keeps one direction: the transport (graph, internal/webhook)
// calls the domain packages; the domain declares the small interfaces it
// needs; internal/store and the channel adapters implement them; only
// internal/app wires them together. TestImportDirection reads the import
// graph from `go list` and fails on any import against that direction, so
// the picture the README draws stays true without a reviewer's help.

// module is the module's import path; the layers below are relative to it.
const module = "github.com/linkline/linkline"

// layer is where a package sits in the direction of the code.
type layer string

const (
	layerMain      layer = "main"      // server.go
	layerApp       layer = "app"       // the wiring
	layerTransport layer = "transport" // GraphQL and webhook ingress, the pages
	layerDomain    layer = "domain"    // rules, and the interfaces they need
	layerStore     layer = "store"     // storage
	layerShared    layer = "shared"    // leaves every layer may use
	layerTool      layer = "tool"      // the benchmark's load driver, the fault run
)

// layers places every package of the module: a path, or a path and
// everything under it ("/..."). A new package must be placed here.
var layers = map[string]layer{
	"":                      layerMain,
	"internal/app":          layerApp,
	"graph/...":             layerTransport,
	"internal/webhook":      layerTransport,
	"internal/operator":     layerTransport,
	"internal/pages":        layerTransport,
	"internal/account":      layerDomain,
	"internal/audit":        layerDomain,
	"internal/assignment":   layerDomain,
	"internal/auth":         layerDomain,
	"internal/channel/...":  layerDomain,
	"internal/conversation": layerDomain,
	"internal/delivery":     layerDomain,
	"internal/template":     layerDomain,
	"internal/feed":         layerDomain,
	"internal/integration":  layerDomain,
	"internal/linking":      layerDomain,
	"internal/meta/...":     layerDomain,
	"internal/receipt":      layerDomain,
	"internal/typing":       layerDomain,
	"internal/unread":       layerDomain,
	"internal/widget":       layerDomain,
	"internal/store/...":    layerStore,
	"internal/apperr":       layerShared,
	"internal/metrics":      layerShared,
	"internal/secret":       layerShared,
	"internal/tracing":      layerShared,
	"internal/social":       layerDomain,
	"internal/bench/...":    layerTool,
	"internal/faults":       layerTool,

	"internal/attachment/...": layerDomain,
}

// storeUses is what internal/store may depend on, directly or not: the
// domain packages whose types it stores and whose interfaces it
// implements. Nothing else: not the transport, not the wiring, not a
// package of rules such as delivery or linking. Today's set; shrink it as
// store needs less.
var storeUses = []string{
	"internal/account",
	"internal/apperr",
	"internal/attachment",
	"internal/audit",
	"internal/auth",
	"internal/channel",
	"internal/conversation",
	"internal/feed",
	"internal/integration",
	"internal/social",
	"internal/widget", "internal/template",
}

func TestImportDirection(t *testing.T) {
	pkgs := modulePackages(t)
	for _, p := range pkgs {
		if p.layer == "" {
			t.Errorf("%s is not placed in a layer: add it to layers in internal/app/imports_test.go", p.path)
		}
	}
	for pattern := range layers {
		if !slices.ContainsFunc(pkgs, func(p *pkg) bool { return matches(pattern, p.rel) }) {
			t.Errorf("layers places %q, which matches no package: remove it", pattern)
		}
	}

	reach := func(from *pkg, to func(*pkg) bool, why string) {
		for _, chain := range pkgs.reached(from, to) {
			how := "directly"
			if len(chain) > 2 {
				how = "through " + strings.Join(chain[1:len(chain)-1], " → ")
			}
			t.Errorf("%s imports %s %s: %s", from.path, chain[len(chain)-1], how, why)
		}
	}
	for _, p := range pkgs {
		switch p.layer {
		case layerDomain:
			reach(p, in(layerTransport, layerStore, layerApp),
				"a domain package declares the interface it needs and internal/app hands it the implementation")
			// Rules are unit-tested with fakes, without a database.
			for _, imp := range p.testImports {
				if q := pkgs.find(imp); q != nil && in(layerStore, layerApp)(q) {
					t.Errorf("the tests of %s import %s: test the domain with fakes; end-to-end tests live in internal/app", p.path, q.path)
				}
			}
		case layerTransport:
			reach(p, in(layerStore, layerApp),
				"the transport calls the domain, which reaches storage through its interfaces")
		case layerStore:
			reach(p, func(q *pkg) bool {
				return q.layer != layerStore && !slices.Contains(storeUses, q.rel)
			}, "storage depends only on the domain packages in storeUses, whose types it stores")
		case layerShared:
			reach(p, func(*pkg) bool { return true }, "a shared leaf depends on no package of the module")
		}
		if p.layer != layerMain && p.layer != layerApp {
			for _, imp := range append(slices.Clone(p.imports), p.testImports...) {
				if q := pkgs.find(imp); q != nil && q.layer == layerApp {
					t.Errorf("%s imports %s: only the main package and internal/app's own tests use the wiring", p.path, q.path)
				}
			}
		}
	}
}

// pkg is one package of the module, as `go list` describes it.
type pkg struct {
	path, rel   string // import path, and path relative to the module
	layer       layer
	imports     []string
	testImports []string // of its in-package and external tests
}

type packages []*pkg

// modulePackages lists the module's packages with their layers.
func modulePackages(t *testing.T) packages {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,TestImports,XTestImports", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs packages
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath                         string
			Imports, TestImports, XTestImports []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		pkgs = append(pkgs, &pkg{
			path:        p.ImportPath,
			rel:         rel,
			layer:       layerOf(rel),
			imports:     p.Imports,
			testImports: append(p.TestImports, p.XTestImports...),
		})
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs
}

// layerOf returns the layer of a package, by its most specific pattern.
func layerOf(rel string) layer {
	best, l := -1, layer("")
	for pattern, pl := range layers {
		if matches(pattern, rel) && len(pattern) > best {
			best, l = len(pattern), pl
		}
	}
	return l
}

func matches(pattern, rel string) bool {
	if dir, ok := strings.CutSuffix(pattern, "/..."); ok {
		return rel == dir || strings.HasPrefix(rel, dir+"/")
	}
	return rel == pattern
}

func in(ls ...layer) func(*pkg) bool {
	return func(p *pkg) bool { return slices.Contains(ls, p.layer) }
}

func (ps packages) find(path string) *pkg {
	for _, p := range ps {
		if p.path == path {
			return p
		}
	}
	return nil
}

// reached returns, for each package of the module that from depends on
// and that matches target, the shortest import chain to it (starting with
// from). The search does not go past a target.
func (ps packages) reached(from *pkg, target func(*pkg) bool) [][]string {
	var chains [][]string
	via := map[string]string{from.path: ""}
	queue := []*pkg{from}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, imp := range p.imports {
			q := ps.find(imp)
			if _, seen := via[imp]; seen || q == nil {
				continue
			}
			via[imp] = p.path
			if target(q) {
				var chain []string
				for at := imp; at != ""; at = via[at] {
					chain = append([]string{at}, chain...)
				}
				chains = append(chains, chain)
				continue
			}
			queue = append(queue, q)
		}
	}
	return chains
}
