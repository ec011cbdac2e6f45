// spec.go — parsing spec.txt (see the comment at its top for the syntax).
package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Struct is one `struct` line and its fields.
type Struct struct {
	Name     string   // "G"
	Required bool     // present in every binary of every version (`struct!`)
	Types    []string // Go type names in DWARF, first found wins
	Fields   []*Field
}

// Field is one `field` line.
type Field struct {
	Struct   *Struct
	Name     string // "SCHED_SP"
	Paths    []Path // alternatives, first found wins
	Required bool
	Line     int
}

// Path is one alternative of a field: member names and an optional type constraint on the last.
type Path struct {
	Members  []string
	WantType string // "" = any
	Text     string // as written
}

// Const is one `const` line.
type Const struct {
	Name string   // "TRACEBACK_MAX_FRAMES"
	Refs []string // "runtime._TracebackMaxFrames"
}

// EnumSource is one alternative of an `enum` line.
type EnumSource struct {
	Kind string // "type" or "re"
	Pkg  string
	Type string         // kind type: the type's name in Pkg
	Re   *regexp.Regexp // kind re
	Text string
}

// Enum is one `enum` line.
type Enum struct {
	Group   string
	Sources []EnumSource
	Strip   []string
}

// StringTable is one `strings` line.
type StringTable struct {
	Name string
	Refs []string
}

type Spec struct {
	Structs []*Struct
	Consts  []*Const
	Enums   []*Enum
	Strings []*StringTable
}

// FieldEnum is the C enum suffix of a field: GP_L_ + this.
func (f *Field) FieldEnum() string { return f.Struct.Name + "_" + f.Name }

// SizeEnum is the C enum suffix of a struct's size: GP_L_ + this.
func (s *Struct) SizeEnum() string { return "SIZEOF_" + s.Name }

var identRe = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)

// splitRef splits "internal/abi.FuncID" into ("internal/abi", "FuncID").
func splitRef(ref string) (string, string, error) {
	i := strings.LastIndexByte(ref, '.')
	if i <= 0 || i == len(ref)-1 || strings.ContainsAny(ref[i+1:], "/") {
		return "", "", fmt.Errorf("%q is not PKG.IDENT", ref)
	}
	return ref[:i], ref[i+1:], nil
}

func parsePath(s string) (Path, error) {
	p := Path{Text: s}
	if i := strings.IndexByte(s, '='); i >= 0 {
		p.WantType = s[i+1:]
		s = s[:i]
		if p.WantType == "" {
			return p, fmt.Errorf("empty type after '=' in %q", p.Text)
		}
	}
	p.Members = strings.Split(s, ".")
	for _, m := range p.Members {
		if m == "" {
			return p, fmt.Errorf("empty member name in %q", p.Text)
		}
	}
	return p, nil
}

func parseEnumSource(s string) (EnumSource, error) {
	src := EnumSource{Text: s}
	switch {
	case strings.HasPrefix(s, "type:"):
		pkg, id, err := splitRef(s[len("type:"):])
		if err != nil {
			return src, err
		}
		src.Kind, src.Pkg, src.Type = "type", pkg, id
	case strings.HasPrefix(s, "re:"):
		rest := s[len("re:"):]
		i := strings.IndexByte(rest, ':')
		if i <= 0 {
			return src, fmt.Errorf("%q: want re:PKG:REGEXP", s)
		}
		re, err := regexp.Compile(rest[i+1:])
		if err != nil {
			return src, err
		}
		src.Kind, src.Pkg, src.Re = "re", rest[:i], re
	default:
		return src, fmt.Errorf("%q: want type:PKG.TYPE or re:PKG:REGEXP", s)
	}
	return src, nil
}

// splitAlts splits on '|' except inside a regexp's parentheses.
func splitAlts(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case '|':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func ReadSpec(path string) (*Spec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sp := &Spec{}
	var cur *Struct
	seen := map[string]int{}
	claim := func(kind, name string, line int) error {
		key := kind + ":" + name
		if prev, ok := seen[key]; ok {
			return fmt.Errorf("%s:%d: %s %s already defined on line %d", path, line, kind, name, prev)
		}
		seen[key] = line
		return nil
	}
	sc := bufio.NewScanner(f)
	for ln := 1; sc.Scan(); ln++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		w := strings.Fields(line)
		if len(w) == 0 {
			continue
		}
		bad := func(format string, args ...interface{}) error {
			return fmt.Errorf("%s:%d: %s", path, ln, fmt.Sprintf(format, args...))
		}
		if len(w) >= 2 && !identRe.MatchString(w[1]) {
			return nil, bad("name %q must be UPPER_SNAKE_CASE", w[1])
		}
		switch w[0] {
		case "struct", "struct!":
			if len(w) != 3 {
				return nil, bad("want: struct[!] NAME GOTYPE[|GOTYPE...]")
			}
			cur = &Struct{Name: w[1], Types: strings.Split(w[2], "|"), Required: w[0] == "struct!"}
			if err := claim("field", cur.SizeEnum(), ln); err != nil {
				return nil, err
			}
			sp.Structs = append(sp.Structs, cur)
		case "field", "field!":
			if cur == nil {
				return nil, bad("field before any struct")
			}
			if len(w) != 3 {
				return nil, bad("want: field[!] NAME PATH[|PATH...]")
			}
			fl := &Field{Struct: cur, Name: w[1], Required: w[0] == "field!", Line: ln}
			for _, alt := range strings.Split(w[2], "|") {
				p, err := parsePath(alt)
				if err != nil {
					return nil, bad("%v", err)
				}
				fl.Paths = append(fl.Paths, p)
			}
			if err := claim("field", fl.FieldEnum(), ln); err != nil {
				return nil, err
			}
			cur.Fields = append(cur.Fields, fl)
		case "const":
			if len(w) != 3 {
				return nil, bad("want: const NAME PKG.IDENT[|...]")
			}
			c := &Const{Name: w[1], Refs: strings.Split(w[2], "|")}
			for _, r := range c.Refs {
				if _, _, err := splitRef(r); err != nil {
					return nil, bad("%v", err)
				}
			}
			if err := claim("const", c.Name, ln); err != nil {
				return nil, err
			}
			sp.Consts = append(sp.Consts, c)
		case "enum":
			if len(w) != 4 || !strings.HasPrefix(w[3], "strip=") {
				return nil, bad("want: enum GROUP SOURCE[|SOURCE...] strip=PREFIX[,PREFIX...]")
			}
			e := &Enum{Group: w[1], Strip: strings.Split(w[3][len("strip="):], ",")}
			for _, alt := range splitAlts(w[2]) {
				src, err := parseEnumSource(alt)
				if err != nil {
					return nil, bad("%v", err)
				}
				e.Sources = append(e.Sources, src)
			}
			if err := claim("enum", e.Group, ln); err != nil {
				return nil, err
			}
			sp.Enums = append(sp.Enums, e)
		case "strings":
			if len(w) != 3 {
				return nil, bad("want: strings NAME PKG.IDENT[|...]")
			}
			st := &StringTable{Name: w[1], Refs: strings.Split(w[2], "|")}
			for _, r := range st.Refs {
				if _, _, err := splitRef(r); err != nil {
					return nil, bad("%v", err)
				}
			}
			if err := claim("strings", st.Name, ln); err != nil {
				return nil, err
			}
			sp.Strings = append(sp.Strings, st)
		default:
			return nil, bad("unknown keyword %q", w[0])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return sp, nil
}

// snake turns a Go identifier fragment into UPPER_SNAKE_CASE: "ChanReceiveNilChan" ->
// "CHAN_RECEIVE_NIL_CHAN", "GCAssistMarking" -> "GC_ASSIST_MARKING", "rt0_go" -> "RT0_GO",
// "debugCallV2" -> "DEBUG_CALL_V2".
func snake(s string) string {
	s = strings.Trim(s, "_")
	var b strings.Builder
	isUp := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	isLow := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i > 0 && isUp(c) && s[i-1] != '_' {
			prev := s[i-1]
			nextLow := i+1 < len(s) && s[i+1] >= 'a' && s[i+1] <= 'z'
			if isLow(prev) || (isUp(prev) && nextLow) {
				b.WriteByte('_')
			}
		}
		b.WriteString(strings.ToUpper(string(c)))
	}
	return b.String()
}

// EnumName is the C suffix (after GP_K_) of a constant of enum e named ident.
func (e *Enum) EnumName(ident string) string {
	name := ident
	for _, p := range e.Strip {
		if strings.HasPrefix(ident, p) && len(ident) > len(p) {
			name = ident[len(p):]
			break
		}
	}
	return e.Group + "_" + snake(name)
}
