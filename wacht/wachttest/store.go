package wachttest

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// store is the emulator's in-memory state. One mutex guards everything:
// correctness over throughput.
type store struct {
	mu        sync.Mutex
	seq       int64
	lastFlake int64

	users       map[string]*user
	orgs        map[string]*org
	orgRoles    map[string]*role // every organization role, deployment-level ones included
	orgMembers  map[string]*member
	workspaces  map[string]*workspace
	wsRoles     map[string]*role
	wsMembers   map[string]*member
	invitations map[string]*invitation
	waitlist    map[string]*waitlistEntry
	orgInvites  map[string]*orgInvitation
	apiApps     map[string]*apiApp
	apiKeys     map[string]*apiKey
	schemes     map[string]*rateScheme
	hookApps    map[string]*hookApp
	endpoints   map[string]*endpoint
	limiter     *limiter

	jwtTemplates  map[string]*jwtTemplate
	segments      map[string]*segment
	notifications []*notification

	// deployment is the body GET / answers; the settings operations
	// change it. display holds the display settings (see
	// updateDisplaySettings).
	deployment      map[string]any
	display         map[string]any
	socialProviders map[string]*deploymentSocialConnection
	templates       map[string]*emailTemplate

	// audit is every gateway check, deliveries every webhook attempt,
	// oldest first: what the analytics and audit operations read.
	audit      []auditEntry
	deliveries []*deliveryRecord

	catalogs  map[string]*eventCatalog
	replays   map[string]*replayTask
	oauthApps map[string]*oauthApp

	// AI
	aiAgents       map[string]*aiAgent
	aiTools        map[string]*aiTool
	knowledgeBases map[string]*knowledgeBase
	kbDocuments    map[string]*kbDocument
	actors         map[string]*actor
	projects       map[string]*actorProject
	threads        map[string]*agentThread
	messages       map[string][]*conversation // by thread id, oldest first
	boards         map[string]*taskBoard      // by project id
	boardItems     map[string]*boardItem
	comments       map[string]*boardComment
	mcpServers     map[string]*mcpServer
	mcpConnections map[string]time.Time // "<actor id>/<server id>"
	aiSettings     map[string]any
	profiles       map[string]*providerProfile
	agentReplies   map[string]string                 // canned replies by agent id (SetAgentReply)
	agentSkills    map[string]map[string]*agentSkill // by agent id, then slug
	composio       composioSettings
	// composioCatalog is what the emulated Composio offers
	// (SetComposioCatalog).
	composioCatalog []ComposioToolkit
}

func newStore() *store {
	st := &store{
		seq:         10000,
		users:       map[string]*user{},
		orgs:        map[string]*org{},
		orgRoles:    map[string]*role{},
		orgMembers:  map[string]*member{},
		workspaces:  map[string]*workspace{},
		wsRoles:     map[string]*role{},
		wsMembers:   map[string]*member{},
		invitations: map[string]*invitation{},
		waitlist:    map[string]*waitlistEntry{},
		orgInvites:  map[string]*orgInvitation{},
		apiApps:     map[string]*apiApp{},
		apiKeys:     map[string]*apiKey{},
		schemes:     map[string]*rateScheme{},
		hookApps:    map[string]*hookApp{},
		endpoints:   map[string]*endpoint{},
		limiter:     newLimiter(),

		jwtTemplates:    map[string]*jwtTemplate{},
		segments:        map[string]*segment{},
		display:         map[string]any{},
		socialProviders: map[string]*deploymentSocialConnection{},
		templates:       map[string]*emailTemplate{},
		catalogs:        map[string]*eventCatalog{},
		replays:         map[string]*replayTask{},
		oauthApps:       map[string]*oauthApp{},

		aiAgents:       map[string]*aiAgent{},
		aiTools:        map[string]*aiTool{},
		knowledgeBases: map[string]*knowledgeBase{},
		kbDocuments:    map[string]*kbDocument{},
		actors:         map[string]*actor{},
		projects:       map[string]*actorProject{},
		threads:        map[string]*agentThread{},
		messages:       map[string][]*conversation{},
		boards:         map[string]*taskBoard{},
		boardItems:     map[string]*boardItem{},
		comments:       map[string]*boardComment{},
		mcpServers:     map[string]*mcpServer{},
		mcpConnections: map[string]time.Time{},
		aiSettings:     defaultAISettings(),
		profiles:       map[string]*providerProfile{},
		agentReplies:   map[string]string{},
		agentSkills:    map[string]map[string]*agentSkill{},
		composio:       newComposioSettings(),
	}
	now := seedEpoch
	// Deployment-level roles: every organization and workspace has them.
	st.orgRoles[DeploymentOrgAdminRoleID] = &role{ID: DeploymentOrgAdminRoleID, Created: now, Updated: now, Name: "Admin",
		Permissions: []string{"org:read", "org:manage", "member:read", "member:manage"}, DeploymentLevel: true}
	st.orgRoles[DeploymentOrgMemberRoleID] = &role{ID: DeploymentOrgMemberRoleID, Created: now, Updated: now, Name: "Member",
		Permissions: []string{"org:read"}, DeploymentLevel: true}
	st.wsRoles[DeploymentWorkspaceAdminRoleID] = &role{ID: DeploymentWorkspaceAdminRoleID, Created: now, Updated: now, Name: "Admin",
		Permissions: []string{"workspace:read", "workspace:manage"}, DeploymentLevel: true}
	st.wsRoles[DeploymentWorkspaceMemberRoleID] = &role{ID: DeploymentWorkspaceMemberRoleID, Created: now, Updated: now, Name: "Member",
		Permissions: []string{"workspace:read"}, DeploymentLevel: true}
	return st
}

// newID returns a fresh numeric id (Wacht ids are numeric strings).
func (st *store) newID() string {
	st.seq++
	return strconv.FormatInt(st.seq, 10)
}

// snowflake returns an id as the server's id generator makes them for
// rate-limit schemes (app_state.sf.next_id(),
// platform/src/application/api_key_rate_limit.rs:48; a Sonyflake): 10 ms
// ticks since 2014-09-01 shifted left by 24 bits, a sequence and a machine
// id. Such ids are far above 2^53, which is the point: they are sent as
// bare JSON numbers, and a client that decodes them through a float64
// loses their low bits.
func (st *store) snowflake(now time.Time) int64 {
	ticks := now.Sub(sonyflakeEpoch).Milliseconds() / 10
	id := ticks<<24 | 1 // sequence 0, machine 1
	if id <= st.lastFlake {
		id = st.lastFlake + 1<<16
	}
	st.lastFlake = id
	return id
}

// flakeID is snowflake as the decimal string the server writes for the
// AI records, whose ids all come from app_state.sf.next_id() (agents:
// platform/src/application/ai_agents.rs:82, tools: ai_tools.rs:52,
// knowledge bases and documents: ai_knowledge_base.rs:84,212, actors:
// actors.rs:18, projects, threads and board items: agent_threads.rs:284,
// 790,1427, comments: board_item_actions.rs:494, MCP servers:
// mcp_servers.rs:32, provider profiles: ai_settings.rs:155) and go out
// through i64_as_string.
func (st *store) flakeID(now time.Time) string {
	return strconv.FormatInt(st.snowflake(now), 10)
}

var sonyflakeEpoch = time.Date(2014, 9, 1, 0, 0, 0, 0, time.UTC)

// idLess orders numeric ids numerically.
func idCmp(a, b string) int {
	if len(a) != len(b) {
		return cmp.Compare(len(a), len(b))
	}
	return strings.Compare(a, b)
}

type user struct {
	ID                 string
	Created, Updated   time.Time
	FirstName          string
	LastName           string
	Username           string
	PictureURL         string
	Disabled           bool
	SecondFactorPolicy string
	PublicMetadata     map[string]any
	PrivateMetadata    map[string]any
	Emails             []*email
	Phones             []*phone
	HasPassword        bool
	Passkeys           []*passkey
	Social             []*socialConnection
	Authenticator      string // the active authenticator's id, if any
	BackupCodes        []string
}

type email struct {
	contactBase
	Address string
}

type phone struct {
	contactBase
	Number      string
	CountryCode string
}

// contactBase is what a user's email addresses and phone numbers have in
// common: at most one of each kind is primary.
type contactBase struct {
	ID               string
	Created, Updated time.Time
	UserID           string
	Primary          bool
	Verified         bool
	VerifiedAt       time.Time
}

func (c *contactBase) base() *contactBase { return c }

func (u *user) primaryEmail() *email {
	e, _ := primaryOf(u.Emails)
	return e
}

func (u *user) primaryPhone() *phone {
	p, _ := primaryOf(u.Phones)
	return p
}

type org struct {
	ID               string
	Created, Updated time.Time
	profile
}

type workspace struct {
	ID               string
	Created, Updated time.Time
	OrgID            string
	profile
}

// profile is how organizations and workspaces alike describe themselves.
type profile struct {
	Name            string
	Description     string
	ImageURL        string
	PublicMetadata  map[string]any
	PrivateMetadata map[string]any
}

// role is an organization or workspace role. Scope is the organization
// (or workspace) id owning it; deployment-level roles have none.
type role struct {
	ID               string
	Created, Updated time.Time
	Scope            string
	Name             string
	Permissions      []string
	DeploymentLevel  bool
}

// member is an organization or workspace membership. Scope is the
// organization (or workspace) id.
type member struct {
	ID               string
	Created, Updated time.Time
	Scope            string
	UserID           string
	OrgMembershipID  string // workspace memberships only
	RoleIDs          []string
	PublicMetadata   map[string]any
}

type invitation struct {
	ID               string
	Created, Updated time.Time
	FirstName        string
	LastName         string
	Email            string
	Token            string
	Expiry           time.Time
}

type waitlistEntry struct {
	ID               string
	Created, Updated time.Time
	Email            string
	FirstName        string
	LastName         string
}

type orgInvitation struct {
	ID               string
	Created, Updated time.Time
	OrgID            string
	Email            string
	RoleID           string
	InviterID        string
	WorkspaceID      string
	WorkspaceRoleID  string
	Expiry           time.Time
	Token            string
	Discarded        bool
}

// RateLimit is one rate-limit rule, as in the platform API
// (models/src/api_key.rs:133): mode and endpoints are left out when unset
// (skip_serializing_if), priority is always written.
type RateLimit struct {
	Unit        string   `json:"unit"` // millisecond, second, minute, hour, day, calendar_day, month, calendar_month
	Duration    int      `json:"duration"`
	MaxRequests int      `json:"max_requests"`
	Mode        string   `json:"mode,omitempty"` // per_app (default), per_key, per_key_and_ip, per_app_and_ip
	Endpoints   []string `json:"endpoints,omitempty"`
	Priority    int      `json:"priority"`
}

type rateScheme struct {
	ID               int64
	Slug             string
	Name             string
	Description      *string
	Rules            []RateLimit
	Created, Updated time.Time
}

type apiApp struct {
	Slug             string
	Name             string
	Description      *string
	Active           bool
	KeyPrefix        string
	Permissions      []string
	Resources        []string
	SchemeSlug       *string
	UserID, OrgID    *string
	WorkspaceID      *string
	Created, Updated time.Time
}

type apiKey struct {
	ID                 string
	AppSlug            string
	Name               string
	Prefix             string
	Suffix             string
	Hash               string
	Permissions        []string
	Metadata           map[string]any
	RateLimits         []RateLimit
	SchemeSlug         *string
	OwnerUserID        *string
	OrgID, WorkspaceID *string
	OrgMembershipID    *string
	WsMembershipID     *string
	OrgRolePerms       []string
	WsRolePerms        []string
	ExpiresAt          *time.Time
	LastUsedAt         *time.Time
	Active             bool
	Created, Updated   time.Time
	RevokedAt          *time.Time
	RevokedReason      *string
}

type hookApp struct {
	Slug             string
	Name             string
	Description      *string
	Secret           string
	Emails           []string
	CatalogSlug      *string
	Active           bool
	Created, Updated time.Time
}

type endpoint struct {
	ID               string
	AppSlug          string
	URL              string
	Description      *string
	Headers          map[string]any
	Active           bool
	MaxRetries       int
	TimeoutSeconds   int
	FailureCount     int
	LastFailureAt    *time.Time
	Subscriptions    []string
	Filters          map[string]any // filter_rules by event name
	RateLimitConfig  map[string]any
	Created, Updated time.Time
}

// page applies limit/offset to a sorted slice.
type pageParams struct {
	Limit, Offset int
}

func paginate[T any](items []T, p pageParams) []T {
	if p.Offset >= len(items) {
		return []T{}
	}
	end := min(p.Offset+p.Limit, len(items))
	return items[p.Offset:end]
}

// record is anything the store lists: listings order records by creation,
// and records created in the same instant by key, so that every order the
// emulator answers with is deterministic.
type record interface {
	createdAt() time.Time
	key() string
}

func (u *user) createdAt() time.Time          { return u.Created }
func (u *user) key() string                   { return u.ID }
func (o *org) createdAt() time.Time           { return o.Created }
func (o *org) key() string                    { return o.ID }
func (ws *workspace) createdAt() time.Time    { return ws.Created }
func (ws *workspace) key() string             { return ws.ID }
func (r *role) createdAt() time.Time          { return r.Created }
func (r *role) key() string                   { return r.ID }
func (m *member) createdAt() time.Time        { return m.Created }
func (m *member) key() string                 { return m.ID }
func (i *invitation) createdAt() time.Time    { return i.Created }
func (i *invitation) key() string             { return i.ID }
func (e *waitlistEntry) createdAt() time.Time { return e.Created }
func (e *waitlistEntry) key() string          { return e.ID }
func (i *orgInvitation) createdAt() time.Time { return i.Created }
func (i *orgInvitation) key() string          { return i.ID }
func (sc *rateScheme) createdAt() time.Time   { return sc.Created }
func (sc *rateScheme) key() string            { return sc.Slug }
func (a *apiApp) createdAt() time.Time        { return a.Created }
func (a *apiApp) key() string                 { return a.Slug }
func (k *apiKey) createdAt() time.Time        { return k.Created }
func (k *apiKey) key() string                 { return k.ID }
func (a *hookApp) createdAt() time.Time       { return a.Created }
func (a *hookApp) key() string                { return a.Slug }
func (e *endpoint) createdAt() time.Time      { return e.Created }
func (e *endpoint) key() string               { return e.ID }

// byCreation orders records oldest first.
func byCreation[T record](a, b T) int {
	if c := a.createdAt().Compare(b.createdAt()); c != 0 {
		return c
	}
	return idCmp(a.key(), b.key())
}

// oldestFirst returns the records of m that keep accepts (nil: all),
// oldest first.
func oldestFirst[K comparable, T record](m map[K]T, keep func(T) bool) []T {
	var out []T
	for _, v := range m {
		if keep == nil || keep(v) {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, byCreation)
	return out
}

// find looks id up in m; a missing id is the 404 "<what> <id> not found".
func find[T any](m map[string]T, what, id string) (T, error) {
	v, ok := m[id]
	if !ok {
		return v, notFound(what + " " + id + " not found")
	}
	return v, nil
}

// viewsOf renders items; the result is never nil, so an empty list is
// sent as [] rather than null.
func viewsOf[T, V any](items []T, view func(T) V) []V {
	out := make([]V, 0, len(items))
	for _, it := range items {
		out = append(out, view(it))
	}
	return out
}

func containsFold(hay, needle string) bool {
	return strings.Contains(strings.ToLower(hay), strings.ToLower(needle))
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
