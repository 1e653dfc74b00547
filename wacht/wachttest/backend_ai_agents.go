package wachttest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Ids of the AI records are Sonyflake ids as the server draws them
// (app_state.sf.next_id(), platform/src/application/ai_agents.rs:82; see
// store.flakeID) and sends them as strings (i64_as_string,
// models/src/ai_agent.rs:60).

// aiAgent is one row of ai_agents with the relations the server keeps in
// ai_agent_tools, ai_agent_knowledge_bases and ai_agent_sub_agents.
type aiAgent struct {
	ID, Name         string
	Description      *string
	Created, Updated time.Time
	StrongModel      *agentModel
	WeakModel        *agentModel
	Hooks            map[string]any
	Limits           map[string]any
	ApprovalMCP      bool
	ApprovalVirtual  bool
	ApprovalRules    []approvalRule
	DisabledInternal []string
	Tools            map[string]string // tool id -> approval_action
	KnowledgeBases   map[string]bool
	SubAgents        map[string]bool
	Reviewer         *string
	Conversation     *string
}

func (a *aiAgent) createdAt() time.Time { return a.Created }
func (a *aiAgent) key() string          { return a.ID }

type agentModel struct {
	Provider  *string `json:"provider,omitempty"`
	Model     *string `json:"model,omitempty"`
	ProfileID *string `json:"profile_id,omitempty"`
}

type approvalRule struct {
	Pattern string `json:"pattern"`
	Action  string `json:"action"`
}

// aiAgentView is models::AiAgent (models/src/ai_agent.rs:60): strong and
// weak models are skipped when unset, every other field is written;
// sub_agents is the jsonb_agg of ai_agent_sub_agents, so null when the
// agent has none (queries/src/ai_agent.rs:182).
type aiAgentView struct {
	ID                     string         `json:"id"`
	Created                time.Time      `json:"created_at"`
	Updated                time.Time      `json:"updated_at"`
	Name                   string         `json:"name"`
	Description            *string        `json:"description"`
	DeploymentID           string         `json:"deployment_id"`
	SubAgents              []string       `json:"sub_agents"`
	StrongModel            *agentModel    `json:"strong_model,omitempty"`
	WeakModel              *agentModel    `json:"weak_model,omitempty"`
	Hooks                  map[string]any `json:"hooks"`
	RequireApprovalMCP     bool           `json:"require_approval_mcp"`
	RequireApprovalVirtual bool           `json:"require_approval_virtual"`
	ToolApprovalRules      []approvalRule `json:"tool_approval_rules"`
	Limits                 map[string]any `json:"limits"`
	DisabledInternalTools  []string       `json:"disabled_internal_tools"`
}

// aiAgentDetailsView is models::AiAgentWithDetails (models/src/ai_agent.rs:97):
// the agent with its relation counts and role agents, the role agents
// always written (null: the agent fills the role itself).
type aiAgentDetailsView struct {
	aiAgentView
	ToolsCount          int     `json:"tools_count"`
	KnowledgeBasesCount int     `json:"knowledge_bases_count"`
	ReviewerAgentID     *string `json:"reviewer_agent_id"`
	ConversationAgentID *string `json:"conversation_agent_id"`
}

func (a *aiAgent) view() aiAgentView {
	var subs []string
	for id := range a.SubAgents {
		subs = append(subs, id)
	}
	slices.SortFunc(subs, idCmp) // jsonb_agg(... ORDER BY rel.sub_agent_id)
	rules := a.ApprovalRules
	if rules == nil {
		rules = []approvalRule{}
	}
	disabled := a.DisabledInternal
	if disabled == nil {
		disabled = []string{}
	}
	return aiAgentView{ID: a.ID, Created: a.Created, Updated: a.Updated, Name: a.Name, Description: a.Description,
		DeploymentID: DeploymentID, SubAgents: subs, StrongModel: a.StrongModel, WeakModel: a.WeakModel,
		Hooks: orEmpty(a.Hooks), RequireApprovalMCP: a.ApprovalMCP, RequireApprovalVirtual: a.ApprovalVirtual,
		ToolApprovalRules: rules, Limits: orEmpty(a.Limits), DisabledInternalTools: disabled}
}

func (a *aiAgent) details() aiAgentDetailsView {
	return aiAgentDetailsView{aiAgentView: a.view(), ToolsCount: len(a.Tools), KnowledgeBasesCount: len(a.KnowledgeBases),
		ReviewerAgentID: a.Reviewer, ConversationAgentID: a.Conversation}
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// The server's message for an agent the query does not find
// (queries/src/ai_agent.rs:304).
func (st *store) aiAgent(id string) (*aiAgent, error) {
	a, found := st.aiAgents[id]
	if !found {
		return nil, notFound("Agent not found")
	}
	return a, nil
}

// aiPage reads the limit/offset/search query the AI lists share
// (GetAgentsQuery, GetToolsQuery, GetKnowledgeBasesQuery: usize limit and
// offset, dto/src/query/deployment.rs:151-170) and reports whether offset
// was sent: paginate_results echoes offset only then
// (platform/src/api/pagination.rs:5).
func aiPage(r *http.Request, defaultLimit int) (listQuery, bool, error) {
	lq, err := parseList(r, listParams{defaultLimit: defaultLimit, sort: unsorted})
	return lq, r.URL.Query().Has("offset"), err
}

// pageOf is paginate_results with the offset echoed only when sent.
func pageOf[T any](all []T, lq listQuery, offsetSent bool) listResponse[T] {
	res := listOf(all, lq.pageParams)
	if !offsetSent {
		res.Offset = nil
	}
	return res
}

// latestFirst lists records newest first, the ORDER BY created_at DESC of
// every AI list query (queries/src/ai_agent.rs:192, queries/src/ai_tool.rs:128,
// queries/src/ai_knowledge_base.rs:77).
func latestFirst[T record](m map[string]T, keep func(T) bool) []T {
	out := oldestFirst(m, keep)
	slices.Reverse(out)
	return out
}

// searchAI is the lists' `name ILIKE %s% OR description ILIKE %s%`.
func searchAI(q, name string, description *string) bool {
	if q == "" {
		return true
	}
	return containsFold(name, q) || description != nil && containsFold(*description, q)
}

func (s *Server) listAIAgents(w http.ResponseWriter, r *http.Request) error {
	lq, offsetSent, err := aiPage(r, 50)
	if err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		all := latestFirst(st.aiAgents, func(a *aiAgent) bool { return searchAI(lq.Search, a.Name, a.Description) })
		return ok(w, pageOf(viewsOf(all, (*aiAgent).details), lq, offsetSent))
	})
}

// agentBody is CreateAgentRequest and UpdateAgentRequest
// (dto/src/json/deployment.rs:9,28): ids are FlexibleI64.
type agentBody struct {
	Name                  *string          `json:"name"`
	Description           *string          `json:"description"`
	SubAgents             []flexID         `json:"sub_agents"`
	ToolIDs               []flexID         `json:"tool_ids"`
	KnowledgeBaseIDs      []flexID         `json:"knowledge_base_ids"`
	StrongModel           *agentModel      `json:"strong_model"`
	WeakModel             *agentModel      `json:"weak_model"`
	ClearStrongModel      bool             `json:"clear_strong_model"`
	ClearWeakModel        bool             `json:"clear_weak_model"`
	Hooks                 map[string][]any `json:"hooks"`
	Limits                map[string]any   `json:"limits"`
	RequireApprovalMCP    *bool            `json:"require_approval_mcp"`
	RequireApprovalVirtal *bool            `json:"require_approval_virtual"`
	ToolApprovalRules     []approvalRule   `json:"tool_approval_rules"`
	DisabledInternalTools []string         `json:"disabled_internal_tools"`
	Status                *string          `json:"status"`
}

// validate is the server's checks before it writes an agent
// (commands/src/ai_agents.rs:377-395 and the helpers at :1210-1440):
// model overrides, hooks, then the related ids, each in this deployment.
func (b *agentBody) validate(st *store, agentID string) error {
	for field, m := range map[string]*agentModel{"strong_model": b.StrongModel, "weak_model": b.WeakModel} {
		if err := validModelOverride(field, m); err != nil {
			return err
		}
	}
	if b.ClearStrongModel && b.StrongModel != nil {
		return badRequest("clear_strong_model cannot be combined with a new strong_model")
	}
	if b.ClearWeakModel && b.WeakModel != nil {
		return badRequest("clear_weak_model cannot be combined with a new weak_model")
	}
	for _, kind := range []string{"execution_start", "before_llm", "after_llm", "before_tool", "after_tool", "on_budget_exhausted", "execution_end"} {
		for i, step := range b.Hooks[kind] {
			m, _ := step.(map[string]any)
			name, _ := m["tool_name"].(string)
			if strings.TrimSpace(name) == "" {
				return badRequest("hooks." + kind + "[" + strconv.Itoa(i) + "].tool_name must not be empty")
			}
			if args, has := m["args"]; has && args != nil {
				if _, isObj := args.(map[string]any); !isObj {
					return badRequest("hooks." + kind + "[" + strconv.Itoa(i) + "].args must be a JSON object")
				}
			}
		}
	}
	for _, id := range b.ToolIDs {
		if _, found := st.aiTools[string(id)]; !found {
			return badRequest("One or more tool IDs are invalid for this deployment")
		}
	}
	for _, id := range b.KnowledgeBaseIDs {
		if _, found := st.knowledgeBases[string(id)]; !found {
			return badRequest("One or more knowledge base IDs are invalid for this deployment")
		}
	}
	for _, id := range b.SubAgents {
		if string(id) == agentID {
			return badRequest("An agent cannot be attached as its own sub-agent")
		}
		if _, found := st.aiAgents[string(id)]; !found {
			return badRequest("Sub-agent not found")
		}
	}
	return nil
}

// validModelOverride is validate_model_override
// (commands/src/ai_agents.rs:1341): provider or profile_id, not both, and
// a model with a provider.
func validModelOverride(field string, m *agentModel) error {
	if m == nil {
		return nil
	}
	provider := m.Provider != nil && strings.TrimSpace(*m.Provider) != ""
	switch {
	case provider && m.ProfileID != nil:
		return badRequest(field + ".provider and " + field + ".profile_id are mutually exclusive")
	case !provider && m.ProfileID == nil:
		return badRequest(field + ".provider or " + field + ".profile_id is required when " + field + " is set")
	case provider && (m.Model == nil || strings.TrimSpace(*m.Model) == ""):
		return badRequest(field + ".model is required when " + field + ".provider is set")
	}
	return nil
}

func (b *agentBody) apply(a *aiAgent) {
	assign(&a.Name, b.Name)
	if b.Description != nil {
		// UpdateAiAgentCommand sets description only when sent: null
		// leaves it (platform/src/application/ai_agents.rs:179).
		a.Description = b.Description
	}
	if b.StrongModel != nil || b.ClearStrongModel {
		a.StrongModel = b.StrongModel
	}
	if b.WeakModel != nil || b.ClearWeakModel {
		a.WeakModel = b.WeakModel
	}
	if b.Hooks != nil {
		a.Hooks = map[string]any{}
		for k, v := range b.Hooks {
			if len(v) > 0 { // AgentHooksConfig skips empty lists (models/src/ai_agent.rs:42)
				a.Hooks[k] = v
			}
		}
	}
	if b.Limits != nil {
		a.Limits = b.Limits
	}
	assign(&a.ApprovalMCP, b.RequireApprovalMCP)
	assign(&a.ApprovalVirtual, b.RequireApprovalVirtal)
	if b.ToolApprovalRules != nil {
		a.ApprovalRules = b.ToolApprovalRules
	}
	if b.DisabledInternalTools != nil {
		a.DisabledInternal = b.DisabledInternalTools
	}
	// The id lists replace the relations when sent (sync_agent_relations,
	// commands/src/ai_agents.rs:1100); tool links start as allow.
	if b.ToolIDs != nil {
		old := a.Tools
		a.Tools = map[string]string{}
		for _, id := range b.ToolIDs {
			action := "allow"
			if prev, found := old[string(id)]; found {
				action = prev
			}
			a.Tools[string(id)] = action
		}
	}
	if b.KnowledgeBaseIDs != nil {
		a.KnowledgeBases = map[string]bool{}
		for _, id := range b.KnowledgeBaseIDs {
			a.KnowledgeBases[string(id)] = true
		}
	}
	if b.SubAgents != nil {
		a.SubAgents = map[string]bool{}
		for _, id := range b.SubAgents {
			a.SubAgents[string(id)] = true
		}
	}
}

// createAIAgent is create_ai_agent (platform/src/application/ai_agents.rs:76):
// only name is required; the answer is AiAgent with 200.
func (s *Server) createAIAgent(w http.ResponseWriter, r *http.Request) error {
	var body agentBody
	if err := bindJSON(r, &body, "name"); err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		now := time.Now().UTC()
		id := st.flakeID(now)
		if err := body.validate(st, id); err != nil {
			return err
		}
		a := &aiAgent{ID: id, Created: now, Updated: now, Tools: map[string]string{}, KnowledgeBases: map[string]bool{}, SubAgents: map[string]bool{}}
		body.ClearStrongModel, body.ClearWeakModel = false, false
		body.apply(a)
		st.aiAgents[a.ID] = a
		return ok(w, a.view())
	})
}

func (s *Server) getAIAgent(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "agent_id", (*store).aiAgent, func(st *store, a *aiAgent) error {
		return ok(w, a.details())
	})
}

// agentDetailsView is AgentDetailsResponse
// (platform/src/application/ai_agents.rs:20): tools and knowledge_bases
// are always empty lists (lines 151-152) while the counts are real, and
// tool_approval_rules is skipped when empty.
type agentDetailsView struct {
	ID                     string         `json:"id"`
	Created                time.Time      `json:"created_at"`
	Updated                time.Time      `json:"updated_at"`
	DeploymentID           string         `json:"deployment_id"`
	Name                   string         `json:"name"`
	Description            *string        `json:"description"`
	ToolsCount             int            `json:"tools_count"`
	KnowledgeBasesCount    int            `json:"knowledge_bases_count"`
	Tools                  []any          `json:"tools"`
	KnowledgeBases         []any          `json:"knowledge_bases"`
	SubAgents              []string       `json:"sub_agents"`
	ReviewerAgentID        *string        `json:"reviewer_agent_id"`
	ConversationAgentID    *string        `json:"conversation_agent_id"`
	StrongModel            *agentModel    `json:"strong_model,omitempty"`
	WeakModel              *agentModel    `json:"weak_model,omitempty"`
	RequireApprovalMCP     bool           `json:"require_approval_mcp"`
	RequireApprovalVirtual bool           `json:"require_approval_virtual"`
	ToolApprovalRules      []approvalRule `json:"tool_approval_rules,omitempty"`
	Hooks                  map[string]any `json:"hooks"`
	Limits                 map[string]any `json:"limits"`
	DisabledInternalTools  []string       `json:"disabled_internal_tools"`
}

func (s *Server) getAIAgentDetails(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "agent_id", (*store).aiAgent, func(st *store, a *aiAgent) error {
		d := a.details()
		return ok(w, agentDetailsView{ID: a.ID, Created: a.Created, Updated: a.Updated, DeploymentID: DeploymentID, Name: a.Name,
			Description: a.Description, ToolsCount: d.ToolsCount, KnowledgeBasesCount: d.KnowledgeBasesCount, Tools: []any{},
			KnowledgeBases: []any{}, SubAgents: d.SubAgents, ReviewerAgentID: a.Reviewer, ConversationAgentID: a.Conversation,
			StrongModel: a.StrongModel, WeakModel: a.WeakModel, RequireApprovalMCP: a.ApprovalMCP, RequireApprovalVirtual: a.ApprovalVirtual,
			ToolApprovalRules: a.ApprovalRules, Hooks: d.Hooks, Limits: d.Limits, DisabledInternalTools: d.DisabledInternalTools})
	})
}

// updateAIAgent is update_ai_agent: status is accepted and ignored
// (platform/src/application/ai_agents.rs:167). An unknown agent is the
// UPDATE ... RETURNING that finds no row: fetch_one's RowNotFound, the
// generic 404 (commands/src/ai_agents.rs:515, platform/src/application/error.rs:11).
func (s *Server) updateAIAgent(w http.ResponseWriter, r *http.Request) error {
	var body agentBody
	if err := bindJSON(r, &body); err != nil {
		return err
	}
	return s.locked(func(st *store) error {
		a, found := st.aiAgents[r.PathValue("agent_id")]
		if !found {
			return notFound("Resource not found")
		}
		if err := body.validate(st, a.ID); err != nil {
			return err
		}
		body.apply(a)
		a.Updated = time.Now().UTC()
		return ok(w, a.view())
	})
}

// deleteAIAgent is DeleteAiAgentCommand (commands/src/ai_agents.rs:1024):
// the agent's links go, other agents stop naming it as a sub-agent or
// role agent, and an unknown id is no error (plain DELETEs).
func (s *Server) deleteAIAgent(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		id := r.PathValue("agent_id")
		if _, found := st.aiAgents[id]; !found {
			return ok(w, empty{})
		}
		delete(st.aiAgents, id)
		for _, other := range st.aiAgents {
			delete(other.SubAgents, id)
			if other.Reviewer != nil && *other.Reviewer == id {
				other.Reviewer = nil
			}
			if other.Conversation != nil && *other.Conversation == id {
				other.Conversation = nil
			}
		}
		delete(st.agentReplies, id)
		delete(st.agentSkills, id)
		return ok(w, empty{})
	})
}

// listSubAgents is get_agent_sub_agents (ai_agents.rs:232): the parent
// must exist; the children come in name order (queries/src/ai_agent.rs:360)
// as an unpaginated list.
func (s *Server) listSubAgents(w http.ResponseWriter, r *http.Request) error {
	return within(s, r, "agent_id", (*store).aiAgent, func(st *store, a *aiAgent) error {
		var subs []*aiAgent
		for id := range a.SubAgents {
			if sub, found := st.aiAgents[id]; found {
				subs = append(subs, sub)
			}
		}
		slices.SortFunc(subs, func(x, y *aiAgent) int { return strings.Compare(x.Name, y.Name) })
		return ok(w, whole(viewsOf(subs, (*aiAgent).details)))
	})
}

// attachSubAgent is AttachSubAgentToAgentCommand
// (commands/src/ai_agents.rs:798): no self-attachment, both agents must
// exist, attaching twice is no error.
func (s *Server) attachSubAgent(w http.ResponseWriter, r *http.Request) error {
	parent, child := r.PathValue("agent_id"), r.PathValue("sub_agent_id")
	if parent == child {
		return badRequest("An agent cannot be attached as its own sub-agent")
	}
	return s.locked(func(st *store) error {
		a, err := st.aiAgent(parent)
		if err != nil {
			return err
		}
		if _, found := st.aiAgents[child]; !found {
			return notFound("Sub-agent not found")
		}
		a.SubAgents[child] = true
		return ok(w, empty{})
	})
}

// detachSubAgent also clears the parent's role agents that named the
// child (commands/src/ai_agents.rs:895); an unknown pair is no error.
func (s *Server) detachSubAgent(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		child := r.PathValue("sub_agent_id")
		if a, found := st.aiAgents[r.PathValue("agent_id")]; found {
			delete(a.SubAgents, child)
			if a.Reviewer != nil && *a.Reviewer == child {
				a.Reviewer = nil
			}
			if a.Conversation != nil && *a.Conversation == child {
				a.Conversation = nil
			}
		}
		return ok(w, empty{})
	})
}

// setRoleAgent is set_agent_role_agent (platform/src/application/ai_agents.rs:275)
// and validate_role_agent (commands/src/ai_agents.rs:1296): the target is
// the agent itself (stored as null) or one of its sub-agents.
func (s *Server) setRoleAgent(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Role    string  `json:"role"`
		AgentID *flexID `json:"agent_id"`
	}
	if err := bindJSON(r, &body, "role"); err != nil {
		return err
	}
	label := map[string]string{"reviewer": "Reviewer", "conversation": "Conversation agent"}[body.Role]
	if label == "" {
		return badRequest("unknown role agent kind: " + body.Role)
	}
	return within(s, r, "agent_id", (*store).aiAgent, func(st *store, a *aiAgent) error {
		var target *string
		if body.AgentID != nil && string(*body.AgentID) != a.ID {
			if !a.SubAgents[string(*body.AgentID)] {
				return badRequest(label + " must be the agent itself or one of its attached sub-agents")
			}
			target = ptr(string(*body.AgentID))
		}
		if body.Role == "reviewer" {
			a.Reviewer = target
		} else {
			a.Conversation = target
		}
		a.Updated = time.Now().UTC()
		return ok(w, a.details())
	})
}
