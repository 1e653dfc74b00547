package ai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/url"

	"github.com/wacht-platform/serverless-go/wacht"
	"github.com/wacht-platform/serverless-go/wacht/internal/core"
)

// Client calls the AI group of the backend API through a *wacht.Client.
// It is safe for concurrent use.
type Client struct {
	Agents         *AgentsService
	Tools          *ToolsService
	KnowledgeBases *KnowledgeBasesService
	MCPServers     *MCPServersService
	Actors         *ActorsService
	Projects       *ProjectsService
	Threads        *ThreadsService
	TaskBoards     *TaskBoardsService
	Skills         *SkillsService
	Composio       *ComposioService
	Settings       *SettingsService

	wc *wacht.Client
}

// New returns a Client that sends its calls with c. It panics when c is
// nil, since every call would fail.
func New(c *wacht.Client) *Client {
	if c == nil {
		panic("ai: New called with a nil *wacht.Client")
	}
	a := &Client{wc: c}
	a.Agents = &AgentsService{client: a}
	a.Tools = &ToolsService{client: a}
	a.KnowledgeBases = &KnowledgeBasesService{client: a}
	a.MCPServers = &MCPServersService{client: a}
	a.Actors = &ActorsService{client: a}
	a.Projects = &ProjectsService{client: a}
	a.Threads = &ThreadsService{client: a}
	a.TaskBoards = &TaskBoardsService{client: a}
	a.Skills = &SkillsService{client: a}
	a.Composio = &ComposioService{client: a}
	a.Settings = &SettingsService{client: a}
	return a
}

// Page is one page of an offset-paginated list; see wacht.Page.
type Page[T any] = wacht.Page[T]

// File is a file sent in a multipart/form-data request; see wacht.File.
type File = wacht.File

// CursorPage is one page of a cursor-paginated list:
// {"data": [...], "has_more": bool, "limit": n, "next_cursor"?: "..."}.
// Pass NextCursor as the Cursor of the next call.
type CursorPage[T any] struct {
	Data       []T    `json:"data"`
	HasMore    bool   `json:"has_more"`
	Limit      int    `json:"limit"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	return core.Do(c.wc, ctx, method, path, query, body, out)
}

func (c *Client) stream(ctx context.Context, method, path string, query url.Values) (io.ReadCloser, error) {
	return core.Stream(c.wc, ctx, method, path, query)
}

// decodeOptional decodes an answer that is either a T or {} (nothing yet).
func decodeOptional[T any](raw json.RawMessage, method, path string) (*T, error) {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.Join(bytes.Fields(raw), nil), []byte("{}")) {
		return nil, nil
	}
	var out T
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, &wacht.RequestError{Method: method, Path: path, Err: fmt.Errorf("decode response: %w", err)}
	}
	return &out, nil
}

// unionTag reads the discriminator of a tagged union.
func unionTag(data []byte, tag string) string {
	var probe map[string]json.RawMessage
	if json.Unmarshal(data, &probe) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(probe[tag], &s) != nil {
		return ""
	}
	return s
}

// marshalTagged encodes a union variant with its discriminator first.
func marshalTagged(tag, value string, v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	head, err := json.Marshal(map[string]string{tag: value})
	if err != nil {
		return nil, err
	}
	if bytes.Equal(body, []byte("{}")) {
		return head, nil
	}
	if len(body) < 2 || body[0] != '{' {
		return nil, errors.New("ai: union variant does not encode as an object")
	}
	return append(append(head[:len(head)-1], ','), body[1:]...), nil
}

func paginate[T any](limit, offset int, fetch func(limit, offset int) (*Page[T], error)) iter.Seq2[T, error] {
	return core.Paginate(limit, offset, func(limit, offset int) ([]T, bool, error) {
		page, err := fetch(limit, offset)
		if err != nil {
			return nil, false, err
		}
		return page.Data, page.HasMore, nil
	})
}

func cursorPaginate[T any](cursor string, fetch func(cursor string) (*CursorPage[T], error)) iter.Seq2[T, error] {
	return core.Cursor(cursor, func(cursor string) ([]T, bool, string, error) {
		page, err := fetch(cursor)
		if err != nil {
			return nil, false, "", err
		}
		return page.Data, page.HasMore, page.NextCursor, nil
	})
}

// Helpers the generated services call by the names package wacht uses.

func setString(q url.Values, name, v string)        { core.SetString(q, name, v) }
func setBool(q url.Values, name string, v bool)     { core.SetBool(q, name, v) }
func setPage(q url.Values, limit, offset int) error { return core.SetPage(q, limit, offset) }

func buildPath(template string, values ...string) (string, error) {
	return core.BuildPath(template, values...)
}

type formWriter struct{ *core.Form }

func newForm() formWriter { return formWriter{core.NewForm()} }

func (f formWriter) file(name string, file *File) {
	if file != nil {
		f.File(name, file.Name, file.ContentType, file.Content)
	}
}
