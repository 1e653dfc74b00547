// Package agentrun is the sample function that starts a run of one of the
// deployment's AI agents for the signed-in user: POST a message to
// /agents/{agent_id}/runs and the function finds (or creates) the user's
// actor and "Assistant" project, opens a thread with the agent and starts
// the run, answering 202 with the thread to follow.
//
// It uses package wacht/ai, the beta AI API, and lives apart from
// samples/functions so that the functions that do not use it (and the
// Workers samples, which count every kilobyte) do not link it.
package agentrun

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/wacht-platform/serverless-go/handler"
	"github.com/wacht-platform/serverless-go/wacht/ai"
)

// Path is the route pattern the function serves.
const Path = "POST /agents/{agent_id}/runs"

// ProjectName names the project each user's agent threads are kept in.
const ProjectName = "Assistant"

// MaxMessage bounds the message a caller may send, in bytes.
const MaxMessage = 8 << 10

// Request is the JSON body the function takes.
type Request struct {
	Message string `json:"message"`
}

// Response is the function's 202 answer.
type Response struct {
	ThreadID  string `json:"thread_id"`
	ProjectID string `json:"project_id"`
	ActorID   string `json:"actor_id"`
	// Status is the run's status as Wacht reports it when the run starts.
	Status string `json:"status"`
}

// Routes mounts the function on its own mux; wrap the result in
// kit.Handler.
func Routes(kit *handler.Kit) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(Path, Handler(kit))
	return mux
}

// Handler is the function: any signed-in user may start a run (the route
// is protected by a session token, with no permission beyond it); a body
// that is not {"message": "..."} with a non-empty message of at most
// MaxMessage bytes is a 400.
func Handler(kit *handler.Kit) http.Handler {
	return kit.Protect(handler.Require{})(http.HandlerFunc(startRun))
}

func startRun(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	agentID := r.PathValue("agent_id")
	req, err := readRequest(r)
	if err != nil {
		handler.WriteError(w, r, &handler.HTTPError{Status: http.StatusBadRequest, Code: handler.CodeBadRequest, Message: err.Error()})
		return
	}
	session, _ := handler.AuthFromContext(ctx)
	client, _ := handler.ClientFromContext(ctx)
	agents := ai.New(client)

	actor, err := actorFor(r, agents, session.UserID)
	if err != nil {
		handler.WriteError(w, r, err)
		return
	}
	project, err := projectFor(r, agents, actor.ID, agentID)
	if err != nil {
		handler.WriteError(w, r, err)
		return
	}
	thread, err := agents.Threads.Create(ctx, project.ID, ai.CreateAgentThreadRequest{Title: title(req.Message), AgentID: &agentID})
	if err != nil {
		handler.WriteError(w, r, err)
		return
	}
	run, err := agents.Threads.Run(ctx, thread.ID, ai.ExecuteAgentRequest{AgentID: &agentID,
		ExecutionType: ai.ExecuteAgentRequestType{NewMessage: &ai.NewMessageRequest{Message: req.Message}}})
	if err != nil {
		handler.WriteError(w, r, err)
		return
	}
	handler.WriteJSON(w, http.StatusAccepted, Response{ThreadID: thread.ID, ProjectID: project.ID, ActorID: actor.ID, Status: run.Status})
}

func readRequest(r *http.Request) (Request, error) {
	var req Request
	dec := json.NewDecoder(io.LimitReader(r.Body, MaxMessage+1024))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, errors.New(`the body must be JSON: {"message": "..."}`)
	}
	switch req.Message = strings.TrimSpace(req.Message); {
	case req.Message == "":
		return req, errors.New("message is empty")
	case len(req.Message) > MaxMessage:
		return req, errors.New("message is longer than 8 KiB")
	}
	return req, nil
}

// actorFor is the user's actor, created the first time they run an agent.
func actorFor(r *http.Request, agents *ai.Client, userID string) (*ai.Actor, error) {
	found, err := agents.Actors.Lookup(r.Context(), ai.LookupActorParams{SubjectType: "user", ExternalKey: userID})
	if err != nil {
		return nil, err
	}
	if found.Actor != nil {
		return found.Actor, nil
	}
	return agents.Actors.Create(r.Context(), ai.CreateActorRequest{SubjectType: "user", ExternalKey: userID})
}

// projectFor is the actor's ProjectName project, created on first use.
func projectFor(r *http.Request, agents *ai.Client, actorID, agentID string) (*ai.ActorProject, error) {
	projects, err := agents.Projects.List(r.Context(), ai.ListProjectsParams{ActorID: actorID})
	if err != nil {
		return nil, err
	}
	for i := range projects {
		if projects[i].Name == ProjectName && projects[i].ArchivedAt == nil {
			return &projects[i], nil
		}
	}
	return agents.Projects.Create(r.Context(), ai.ActorParams{ActorID: actorID}, ai.CreateActorProjectRequest{Name: ProjectName, AgentID: &agentID})
}

// title is the thread's title: the message's first line, cut to 60 runes.
func title(message string) string {
	line, _, _ := strings.Cut(message, "\n")
	if utf8.RuneCountInString(line) <= 60 {
		return line
	}
	return string([]rune(line)[:60]) + "…"
}
