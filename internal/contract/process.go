package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
)

// ValidatorEnv names a built cmd/contract-validator. Unset, the validator
// is started with `go run` from the checkout this package was compiled
// from (Go caches the binary, so only the first run compiles it).
const ValidatorEnv = "WACHT_CONTRACT_VALIDATOR"

// Exchange is one message to the validator process: a request to check,
// a response to check with the request it answers, or (Kind "load") a
// request to load a document and report whether that worked.
type Exchange struct {
	ID             uint64      `json:"id"`
	Document       string      `json:"document"`
	Kind           string      `json:"kind"`
	Method         string      `json:"method,omitempty"`
	URL            string      `json:"url,omitempty"`
	Host           string      `json:"host,omitempty"`
	Header         http.Header `json:"header,omitempty"`
	Body           []byte      `json:"body,omitempty"`
	Status         int         `json:"status,omitempty"`
	ResponseHeader http.Header `json:"response_header,omitempty"`
	ResponseBody   []byte      `json:"response_body,omitempty"`
}

// Verdict answers the Exchange with the same ID.
type Verdict struct {
	ID        uint64     `json:"id"`
	Violation *Violation `json:"violation,omitempty"`
	Error     string     `json:"error,omitempty"`
}

// Request rebuilds the exchange's request.
func (x *Exchange) Request() (*http.Request, error) {
	u, err := url.Parse(x.URL)
	if err != nil {
		return nil, fmt.Errorf("contract: exchange %d: url: %w", x.ID, err)
	}
	r := &http.Request{
		Method:        x.Method,
		URL:           u,
		Host:          x.Host,
		Header:        x.Header,
		Body:          io.NopCloser(bytes.NewReader(x.Body)),
		ContentLength: int64(len(x.Body)),
		Proto:         "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}
	if len(x.Body) == 0 {
		r.Body = http.NoBody
	}
	return r, nil
}

// Response rebuilds the exchange's response to req.
func (x *Exchange) Response(req *http.Request) *http.Response {
	h := x.ResponseHeader
	if h == nil {
		h = http.Header{}
	}
	return &http.Response{
		StatusCode:    x.Status,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(x.ResponseBody)),
		ContentLength: int64(len(x.ResponseBody)),
		Request:       req,
		Proto:         "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}
}

func newExchange(doc, kind string, r *http.Request) (*Exchange, error) {
	body, err := rewind(&r.Body)
	if err != nil {
		return nil, err
	}
	return &Exchange{Document: doc, Kind: kind, Method: r.Method, URL: r.URL.String(), Host: r.Host, Header: r.Header, Body: body}, nil
}

// Remote is a Checker for one document, served by a validator process.
type Remote struct {
	doc  string
	conn *Conn
}

// CheckRequest implements Checker.
func (c *Remote) CheckRequest(r *http.Request) error {
	x, err := newExchange(c.doc, "request", r)
	if err != nil {
		return err
	}
	return c.conn.do(x)
}

// CheckResponse implements Checker.
func (c *Remote) CheckResponse(req *http.Request, res *http.Response) error {
	x, err := newExchange(c.doc, "response", req)
	if err != nil {
		return err
	}
	if x.ResponseBody, err = rewind(&res.Body); err != nil {
		return err
	}
	x.Status, x.ResponseHeader = res.StatusCode, res.Header
	return c.conn.do(x)
}

// Conn carries exchanges to a validator over a pair of streams, many at
// once: verdicts come back tagged with their exchange's ID, in any order.
type Conn struct {
	wmu sync.Mutex
	enc *json.Encoder

	mu      sync.Mutex
	next    uint64
	pending map[uint64]chan Verdict
	broken  error
	detail  func() string // what the other side said before breaking
}

// NewConn starts reading verdicts from r; exchanges are written to w.
// detail, if set, adds context to the error every exchange gets once r
// ends (for a process, what it wrote to stderr).
func NewConn(w io.Writer, r io.Reader, detail func() string) *Conn {
	c := &Conn{enc: json.NewEncoder(w), pending: map[uint64]chan Verdict{}, detail: detail}
	go c.read(r)
	return c
}

// Remote returns a Checker for the document named doc.
func (c *Conn) Remote(doc string) *Remote { return &Remote{doc: doc, conn: c} }

// Load asks the validator to load doc, returning why it could not.
func (c *Conn) Load(doc string) error {
	return c.do(&Exchange{Document: doc, Kind: "load"})
}

func (c *Conn) read(r io.Reader) {
	dec := json.NewDecoder(r)
	for {
		var v Verdict
		if err := dec.Decode(&v); err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("validator exited")
			}
			if c.detail != nil {
				if d := c.detail(); d != "" {
					err = fmt.Errorf("%w: %s", err, d)
				}
			}
			c.fail(fmt.Errorf("contract: %w", err))
			return
		}
		c.mu.Lock()
		ch := c.pending[v.ID]
		delete(c.pending, v.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- v
		}
	}
}

func (c *Conn) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.broken = err
	for id, ch := range c.pending {
		ch <- Verdict{ID: id, Error: err.Error()}
		delete(c.pending, id)
	}
}

func (c *Conn) do(x *Exchange) error {
	ch := make(chan Verdict, 1)
	c.mu.Lock()
	if c.broken != nil {
		c.mu.Unlock()
		return c.broken
	}
	c.next++
	x.ID = c.next
	c.pending[x.ID] = ch
	c.mu.Unlock()

	c.wmu.Lock()
	err := c.enc.Encode(x)
	c.wmu.Unlock()
	if err != nil {
		c.mu.Lock()
		delete(c.pending, x.ID)
		c.mu.Unlock()
		return fmt.Errorf("contract: send to validator: %w", err)
	}
	v := <-ch
	switch {
	case v.Error != "":
		return errors.New(v.Error)
	case v.Violation != nil:
		return v.Violation
	}
	return nil
}

var process struct {
	once sync.Once
	conn *Conn
	err  error
}

// validatorConn starts the validator process once per process. It exits
// when its standard input closes, that is when this process does.
func validatorConn() (*Conn, error) {
	process.once.Do(func() {
		cmd, err := validatorCommand()
		if err != nil {
			process.err = err
			return
		}
		stdin, err := cmd.StdinPipe()
		if err != nil {
			process.err = err
			return
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			process.err = err
			return
		}
		stderr := &headBuffer{max: 8 << 10}
		cmd.Stderr = stderr
		if err := cmd.Start(); err != nil {
			process.err = fmt.Errorf("contract: start validator: %w", err)
			return
		}
		done := make(chan struct{})
		process.conn = NewConn(stdin, readerUntil(stdout, done), func() string {
			<-done
			return stderr.String()
		})
		go func() {
			_ = cmd.Wait()
			close(done)
		}()
	})
	return process.conn, process.err
}

// readerUntil reads r; its reads end once done is closed too, so the
// detail of a broken connection is read after the process has exited.
func readerUntil(r io.Reader, done <-chan struct{}) io.Reader {
	return readerFunc(func(p []byte) (int, error) {
		n, err := r.Read(p)
		if err != nil {
			<-done
		}
		return n, err
	})
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func validatorCommand() (*exec.Cmd, error) {
	if path := os.Getenv(ValidatorEnv); path != "" {
		return exec.Command(path), nil
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return nil, fmt.Errorf("contract: cannot locate the validator module; set %s", ValidatorEnv)
	}
	dir := filepath.Join(filepath.Dir(file), "validator")
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return nil, fmt.Errorf("contract: validator module: %w (set %s)", err, ValidatorEnv)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("contract: no go command to run the validator with: %w (set %s)", err, ValidatorEnv)
	}
	cmd := exec.Command(goTool, "run", "./cmd/contract-validator")
	cmd.Dir = dir
	// The test binary's build flags (-race, tags) are not the validator's.
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
	return cmd, nil
}

// headBuffer keeps the first max bytes written to it.
type headBuffer struct {
	mu  sync.Mutex
	max int
	b   bytes.Buffer
}

func (t *headBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if room := t.max - t.b.Len(); room > 0 {
		t.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (t *headBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.TrimSpace(t.b.Bytes()))
}

var (
	platformOnce sync.Once
	platformDoc  *Document
	platformErr  error

	frontendOnce sync.Once
	frontendDoc  *Document
	frontendErr  error
)

// Platform returns the corrected platform API document, validated by the
// validator process.
func Platform() (*Document, error) {
	platformOnce.Do(func() { platformDoc, platformErr = remoteDocument(PlatformAPI, platformJSON) })
	return platformDoc, platformErr
}

// Frontend returns the frontend API document, validated by the validator
// process.
func Frontend() (*Document, error) {
	frontendOnce.Do(func() { frontendDoc, frontendErr = remoteDocument(FrontendAPI, frontendJSON) })
	return frontendDoc, frontendErr
}

func remoteDocument(name string, raw []byte) (*Document, error) {
	c, err := validatorConn()
	if err != nil {
		return nil, err
	}
	if err := c.Load(name); err != nil {
		return nil, err
	}
	return NewDocument(name, raw, c.Remote(name))
}
