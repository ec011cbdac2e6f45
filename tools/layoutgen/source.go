// source.go — constants and string tables from the Go sources of the running toolchain's GOROOT,
// type-checked with go/types (so iota, 1<<iota and "_Gscan + _Grunnable" are evaluated exactly as
// the compiler does). The extractor is built and run by each toolchain in turn, so go/build finds
// that toolchain's own sources.
package main

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"sort"
	"strings"
)

type checkedPkg struct {
	pkg   *types.Package
	files []*ast.File
	info  *types.Info
}

type sourceLoader struct {
	fset *token.FileSet
	imp  types.Importer
	pkgs map[string]*checkedPkg // nil value: package does not exist in this version
}

func newSourceLoader() *sourceLoader {
	// The source importer uses build.Default; pin it to the target platform.
	build.Default.GOOS = "linux"
	build.Default.GOARCH = "amd64"
	build.Default.CgoEnabled = false
	fset := token.NewFileSet()
	return &sourceLoader{fset: fset, imp: importer.ForCompiler(fset, "source", nil),
		pkgs: map[string]*checkedPkg{}}
}

// load type-checks one standard-library package from source (with full type information, which
// the importer does not keep). Type errors are tolerated: only constant declarations matter.
func (l *sourceLoader) load(path string) (*checkedPkg, error) {
	if p, ok := l.pkgs[path]; ok {
		return p, nil
	}
	bp, err := build.Default.Import(path, "", 0)
	if err != nil {
		if _, ok := err.(*build.NoGoError); ok || strings.Contains(err.Error(), "cannot find package") ||
			strings.Contains(err.Error(), "is not in std") {
			l.pkgs[path] = nil
			return nil, nil
		}
		return nil, err
	}
	var files []*ast.File
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(l.fset, filepath.Join(bp.Dir, name), nil, 0)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}}
	var nerr int
	var first error
	conf := types.Config{Importer: l.imp, Error: func(err error) {
		if nerr == 0 {
			first = err
		}
		nerr++
	}}
	pkg, _ := conf.Check(path, l.fset, files, info)
	if pkg == nil {
		return nil, fmt.Errorf("type-checking %s: %v", path, first)
	}
	if nerr > 0 {
		// Not fatal (see above), but say so: a wrong constant would show in the DWARF check.
		warnf("type-checking %s: %d errors, first: %v", path, nerr, first)
	}
	p := &checkedPkg{pkg: pkg, files: files, info: info}
	l.pkgs[path] = p
	return p, nil
}

func constInt(obj types.Object) (int64, bool) {
	c, ok := obj.(*types.Const)
	if !ok {
		return 0, false
	}
	v := constant.ToInt(c.Val())
	if v.Kind() != constant.Int {
		return 0, false
	}
	return constant.Int64Val(v)
}

// SourceConsts evaluates the spec's consts and enums.
func SourceConsts(sp *Spec, l *sourceLoader) (map[string]int64, map[string]map[string]int64, error) {
	consts := map[string]int64{}
	for _, c := range sp.Consts {
		for _, ref := range c.Refs {
			pkgPath, ident, _ := splitRef(ref)
			p, err := l.load(pkgPath)
			if err != nil {
				return nil, nil, err
			}
			if p == nil {
				continue
			}
			if v, ok := constInt(p.pkg.Scope().Lookup(ident)); ok {
				consts[c.Name] = v
				break
			}
		}
	}
	enums := map[string]map[string]int64{}
	for _, e := range sp.Enums {
		for _, src := range e.Sources {
			p, err := l.load(src.Pkg)
			if err != nil {
				return nil, nil, err
			}
			if p == nil {
				continue
			}
			m := map[string]int64{}
			origin := map[string]string{}
			scope := p.pkg.Scope()
			names := scope.Names() // sorted
			for _, ident := range names {
				obj := scope.Lookup(ident)
				v, ok := constInt(obj)
				if !ok {
					continue
				}
				switch src.Kind {
				case "type":
					nt, isNamed := obj.Type().(*types.Named)
					if !isNamed || nt.Obj().Name() != src.Type || nt.Obj().Pkg() != p.pkg {
						continue
					}
				case "re":
					if !src.Re.MatchString(ident) {
						continue
					}
				}
				name := e.EnumName(ident)
				if prev, dup := origin[name]; dup {
					return nil, nil, fmt.Errorf("enum %s: %s and %s both map to GP_K_%s", e.Group, prev, ident, name)
				}
				origin[name] = ident
				m[name] = v
			}
			if len(m) > 0 {
				enums[e.Group] = m
				break
			}
		}
	}
	return consts, enums, nil
}

// SourceStrings evaluates the spec's string tables: package-level `var X = [...]string{K: "v"}`.
func SourceStrings(sp *Spec, l *sourceLoader) (map[string][]string, error) {
	out := map[string][]string{}
	for _, st := range sp.Strings {
		for _, ref := range st.Refs {
			pkgPath, ident, _ := splitRef(ref)
			p, err := l.load(pkgPath)
			if err != nil {
				return nil, err
			}
			if p == nil {
				continue
			}
			strs, err := stringTable(p, ident)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", ref, err)
			}
			if strs != nil {
				out[st.Name] = strs
				break
			}
		}
	}
	return out, nil
}

func stringTable(p *checkedPkg, ident string) ([]string, error) {
	for _, f := range p.files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if name.Name != ident || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.CompositeLit)
					if !ok {
						return nil, fmt.Errorf("not a composite literal")
					}
					arr, ok := p.info.Types[lit].Type.Underlying().(*types.Array)
					if !ok {
						return nil, fmt.Errorf("not an array")
					}
					strs := make([]string, arr.Len())
					next := int64(0)
					for _, elt := range lit.Elts {
						val := elt
						if kv, ok := elt.(*ast.KeyValueExpr); ok {
							k := p.info.Types[kv.Key].Value
							if k == nil {
								return nil, fmt.Errorf("non-constant key")
							}
							next, _ = constant.Int64Val(constant.ToInt(k))
							val = kv.Value
						}
						v := p.info.Types[val].Value
						if v == nil || v.Kind() != constant.String || next < 0 || next >= arr.Len() {
							return nil, fmt.Errorf("bad element at index %d", next)
						}
						strs[next] = constant.StringVal(v)
						next++
					}
					return strs, nil
				}
			}
		}
	}
	return nil, nil
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
