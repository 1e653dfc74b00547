package ai_test

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wacht-platform/serverless-go/wacht"
	"github.com/wacht-platform/serverless-go/wacht/ai"
)

// seen is what the test server read from one request.
type seen struct {
	mediaType string
	fields    map[string][]string
	files     map[string]string // file name: content type and bytes
	json      map[string]any
}

// recordingServer answers every call with an empty item or comment and
// records how the request was encoded.
func recordingServer(t *testing.T, got *seen) *ai.Client {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*got = seen{}
		got.mediaType, _, _ = mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch got.mediaType {
		case "multipart/form-data":
			if err := r.ParseMultipartForm(1 << 20); err != nil {
				t.Errorf("parse form: %v", err)
			}
			got.fields = r.MultipartForm.Value
			got.files = map[string]string{}
			for _, fh := range r.MultipartForm.File["attachments"] {
				f, _ := fh.Open()
				data, _ := io.ReadAll(f)
				got.files[fh.Filename] = fh.Header.Get("Content-Type") + " " + string(data)
			}
		case "application/json":
			if err := json.NewDecoder(r.Body).Decode(&got.json); err != nil {
				t.Errorf("decode body: %v", err)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{}`)
	}))
	t.Cleanup(srv.Close)
	c, err := wacht.NewClient(wacht.Config{APIKey: "sk_test_attachments", BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return ai.New(c)
}

func TestCreateItemWithAttachments(t *testing.T) {
	var got seen
	a := recordingServer(t, &got)
	next := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	req := ai.CreateProjectTaskBoardItemRequest{
		Title:           "Quarterly report",
		ScheduleKind:    wacht.Ptr("interval"),
		NextRunAt:       &next,
		IntervalSeconds: wacht.Ptr[int64](3600),
		Mounts:          []ai.ScheduleMount{{MountPath: "/data", S3RelativeKey: "reports/", Mode: "ro"}},
	}
	files := []*ai.File{
		{Name: "brief.md", ContentType: "text/markdown", Content: strings.NewReader("# Brief")},
		{Name: "data.csv", Content: strings.NewReader("a,b\n1,2\n")},
	}
	if _, err := a.TaskBoards.CreateItem(context.Background(), "4242", req, files...); err != nil {
		t.Fatal(err)
	}
	if got.mediaType != "multipart/form-data" {
		t.Fatalf("sent %s, want multipart/form-data", got.mediaType)
	}
	// The spelling the server's multipart parser accepts for each field.
	want := map[string]string{
		"title":            "Quarterly report",
		"schedule_kind":    "interval",
		"next_run_at":      "2026-03-04T05:06:07Z",
		"interval_seconds": "3600",
		"mounts":           `[{"mount_path":"/data","s3_relative_key":"reports/","mode":"ro"}]`,
	}
	for k, v := range want {
		if g := got.fields[k]; len(g) != 1 || g[0] != v {
			t.Errorf("field %s = %q, want [%q]", k, g, v)
		}
	}
	for k := range got.fields {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected field %s = %q (unset fields must be left out)", k, got.fields[k])
		}
	}
	wantFiles := map[string]string{"brief.md": "text/markdown # Brief", "data.csv": "application/octet-stream a,b\n1,2\n"}
	if len(got.files) != len(wantFiles) {
		t.Errorf("attachments = %q, want %q", got.files, wantFiles)
	}
	for k, v := range wantFiles {
		if got.files[k] != v {
			t.Errorf("attachment %s = %q, want %q", k, got.files[k], v)
		}
	}
}

func TestUpdateItemAndCommentEncoding(t *testing.T) {
	var got seen
	a := recordingServer(t, &got)
	ctx := context.Background()
	note := func() *ai.File { return &ai.File{Name: "n.txt", Content: strings.NewReader("n")} }

	if _, err := a.TaskBoards.UpdateItem(ctx, "1", "2", ai.UpdateProjectTaskBoardItemRequest{ClearSchedule: wacht.Ptr(false)}, note()); err != nil {
		t.Fatal(err)
	}
	if got.mediaType != "multipart/form-data" || strings.Join(got.fields["clear_schedule"], ",") != "false" || len(got.files) != 1 {
		t.Errorf("UpdateItem with a file sent %s %q %q", got.mediaType, got.fields, got.files)
	}

	if _, err := a.TaskBoards.CreateItemComment(ctx, "1", "2", ai.ActorParams{ActorID: "9"}, ai.CreateProjectTaskBoardItemCommentRequest{Body: "see attached"}, note()); err != nil {
		t.Fatal(err)
	}
	if got.mediaType != "multipart/form-data" || strings.Join(got.fields["body"], ",") != "see attached" || len(got.files) != 1 {
		t.Errorf("CreateItemComment with a file sent %s %q %q", got.mediaType, got.fields, got.files)
	}

	// Without files the body stays JSON, typed as the server reads it.
	if _, err := a.TaskBoards.UpdateItem(ctx, "1", "2", ai.UpdateProjectTaskBoardItemRequest{ClearSchedule: wacht.Ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if got.mediaType != "application/json" || got.json["clear_schedule"] != true {
		t.Errorf("UpdateItem without files sent %s %v", got.mediaType, got.json)
	}

	if _, err := a.TaskBoards.CreateItemComment(ctx, "1", "2", ai.ActorParams{ActorID: "9"}, ai.CreateProjectTaskBoardItemCommentRequest{Body: "x"}, nil); err == nil {
		t.Error("a nil attachment was accepted")
	}
}
