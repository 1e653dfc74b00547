package wachttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"

	"github.com/wacht-platform/serverless-go/internal/contract/corrections"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type specOperation struct {
	Method, Path, OperationID string
}

// opFunc serves one operation; a returned error is answered in the spec's
// error shape.
type opFunc func(w http.ResponseWriter, r *http.Request) error

// backendHandler routes every operation of platform-api.json. Operations
// without an implementation answer 501 naming the operation. Every request
// and response passes through Options.Validate.
func (s *Server) backendHandler() http.Handler {
	impl := s.backendOps()
	mux := http.NewServeMux()
	for _, op := range specOperations {
		h, ok := impl[op.OperationID]
		if ok {
			h = numericPathIDs(op.Path, h)
		} else {
			h = notImplemented(op)
		}
		path := op.Path
		if path == "/" {
			path = "/{$}"
		}
		mux.Handle(op.Method+" "+path, s.route("backend", op.OperationID, platformAPI, true, h))
	}
	mux.Handle("/", s.route("backend", "", platformAPI, true, func(w http.ResponseWriter, r *http.Request) error {
		return notFound(fmt.Sprintf("no operation %s %s in the platform API", r.Method, r.URL.Path))
	}))
	return mux
}

// ImplementedOperations returns the operation ids of platform-api.json the
// emulator implements: all of them (TestEveryOperationImplemented keeps it
// so); one missing from backendOps would answer 501.
func (s *Server) ImplementedOperations() []string {
	impl := s.backendOps()
	var ids []string
	for _, op := range specOperations {
		if _, ok := impl[op.OperationID]; ok {
			ids = append(ids, op.OperationID)
		}
	}
	return ids
}

// int64PathParams are the path parameters the server's handlers extract
// as i64: a segment that does not parse is axum's plain-text 400 before
// the handler runs, not a 404. User routes: UserParams, UserEmailParams,
// UserPhoneParams, UserSigninParams, InvitationParams, WaitlistUserParams
// (platform/src/api/user/types.rs); organizations and workspaces: the
// *Params structs of platform/src/api/b2b/mod.rs; API keys:
// Path<(String, i64)> (platform/src/api/api_key/key_handlers.rs:41,62);
// webhook endpoints: platform/src/api/webhook/endpoints.rs:77,114,151.
// OAuth clients and grants: platform/src/api/oauth/types.rs:11-18.
// Passkeys and social connections: Path<(i64, i64)>
// (platform/src/api/user/passkey_handlers.rs:34,
// platform/src/api/user/identifier_handlers.rs:95). JWT templates and
// segments: JWTTemplateParams and SegmentParams
// (platform/src/api/settings.rs:35, platform/src/api/segments.rs:26).
var int64PathParams = []string{"user_id", "email_id", "phone_id", "signin_id", "invitation_id", "waitlist_user_id",
	"organization_id", "workspace_id", "membership_id", "role_id", "key_id", "endpoint_id", "id",
	"passkey_id", "connection_id", "oauth_client_id", "grant_id",
	// AI: the Path<i64> and *Params structs of platform/src/api/ai_*.rs,
	// mcp_servers.rs, ai_settings.rs and agent_threads.rs.
	"agent_id", "sub_agent_id", "tool_id", "kb_id", "document_id", "mcp_server_id", "profile_id",
	"project_id", "item_id", "thread_id"}

// numericPathIDs parses the i64 path parameters of template as the
// server would, answering its rejection for one that is not a decimal
// i64, and hands the handler the canonical decimal form (Rust's
// i64::from_str, like strconv.ParseInt, takes "+12" and "0012").
func numericPathIDs(template string, h opFunc) opFunc {
	var names []string
	for _, name := range int64PathParams {
		if strings.Contains(template, "{"+name+"}") {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		for _, name := range names {
			v := r.PathValue(name)
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return pathRejection(name, v, "i64")
			}
			r.SetPathValue(name, strconv.FormatInt(n, 10))
		}
		return h(w, r)
	}
}

func notImplemented(op specOperation) opFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return &httpError{http.StatusNotImplemented, fmt.Sprintf("wachttest: operation %s (%s %s) is not implemented by the emulator", op.OperationID, op.Method, op.Path)}
	}
}

// The OpenAPI documents the emulator's routes belong to, as
// Options.Validate names them.
const (
	platformAPI = "platform-api"
	frontendAPI = "frontend-api"
)

// route wraps a handler with counting, logging and fault injection
// (outside validation: injected faults are deliberate), then
// Options.Validate for the routes of document api (when api is set) and,
// on the backend, API key authentication.
func (s *Server) route(listener, name, api string, needKey bool, h opFunc) http.Handler {
	var served http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if needKey {
			if key := bearer(r); key == "" || !constantEq(key, s.APIKey) {
				writeError(w, http.StatusUnauthorized, "invalid or missing API key")
				return
			}
		}
		if err := h(w, r); err != nil {
			writeErr(w, err)
		}
	})
	if api != "" && s.opts.Validate != nil {
		served = s.opts.Validate(api, served, s.violation)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.inflight.enter() {
			writeError(w, http.StatusServiceUnavailable, "wachttest: emulator is shutting down")
			return
		}
		defer s.inflight.leave()
		s.stats.count(name)
		sw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		defer func() {
			if sw.status != 0 {
				s.logf("%s %s %s op=%s status=%d in %s", listener, r.Method, r.URL.Path, name, sw.status, time.Since(start).Round(time.Microsecond))
			}
		}()
		if s.applyFault(sw, r, listener, name) {
			return
		}
		served.ServeHTTP(sw, r)
	})
}

// backendOps maps operation ids to their implementations.
func (s *Server) backendOps() map[string]opFunc {
	return map[string]opFunc{
		// Deployment
		"getDeploymentWithSettings": s.getDeployment,
		// JWT templates
		"getDeploymentJwtTemplates":   s.listJWTTemplates,
		"createDeploymentJwtTemplate": s.createJWTTemplate,
		"updateDeploymentJwtTemplate": s.updateJWTTemplate,
		"deleteDeploymentJwtTemplate": s.deleteJWTTemplate,
		// Users: sign-in factors
		"getUserSocialConnections":   s.listSocialConnections,
		"deleteUserSocialConnection": s.deleteSocialConnection,
		"getUserPasskeys":            s.listPasskeys,
		"renameUserPasskey":          s.renamePasskey,
		"deleteUserPasskey":          s.deletePasskey,
		"createUserAuthenticator":    s.createAuthenticator,
		"deleteUserAuthenticator":    s.deleteAuthenticator,
		"regenerateUserBackupCodes":  s.regenerateBackupCodes,
		// Deployment settings
		"updateDeploymentAuthSettings":     s.updateAuthSettings,
		"updateDeploymentDisplaySettings":  s.updateDisplaySettings,
		"updateDeploymentRestrictions":     s.updateRestrictions,
		"updateDeploymentB2bSettings":      s.updateB2BSettings,
		"getDeploymentSocialConnections":   s.listDeploymentSocialConnections,
		"upsertDeploymentSocialConnection": s.upsertDeploymentSocialConnection,
		"updateSmtpConfig":                 s.updateSMTP,
		"removeSmtpConfig":                 s.removeSMTP,
		"verifySmtpConnection":             s.verifySMTP,
		"getDeploymentEmailTemplate":       s.getEmailTemplate,
		"updateDeploymentEmailTemplate":    s.updateEmailTemplate,
		"uploadImage":                      s.uploadImage,
		// Analytics and the API audit log
		"getAnalyticsStats":     s.analyticsStats,
		"getTokenUsageStats":    s.tokenUsage,
		"getTokenUsageByModel":  s.tokenUsageByModel,
		"getWebhookUsageStats":  s.webhookUsage,
		"getGatewayUsageStats":  s.gatewayUsage,
		"getApiAuditLogs":       s.auditLogs,
		"getApiAuditAnalytics":  s.auditAnalytics,
		"getApiAuditTimeseries": s.auditTimeseries,
		// Webhooks: event catalogs, deliveries, replays and analytics
		"listEventCatalogs":               s.listEventCatalogs,
		"createEventCatalog":              s.createEventCatalog,
		"getEventCatalog":                 s.getEventCatalog,
		"updateEventCatalog":              s.updateEventCatalog,
		"appendEventsToCatalog":           s.appendEvents,
		"archiveEventInCatalog":           s.archiveEvent,
		"getWebhookEvents":                s.appEvents,
		"getWebhookCatalog":               s.appCatalog,
		"getWebhookStats":                 s.webhookStats,
		"getAppWebhookDeliveries":         s.appDeliveries,
		"getWebhookDeliveryDetailsForApp": s.deliveryDetails,
		"listWebhookReplayTasks":          s.listReplayTasks,
		"replayWebhookDelivery":           s.replayDeliveries,
		"getWebhookReplayTaskStatus":      s.getReplayTask,
		"cancelWebhookReplayTask":         s.cancelReplayTask,
		"reactivateWebhookEndpoint":       s.reactivateEndpoint,
		"getWebhookAnalytics":             s.webhookAnalytics,
		"getWebhookTimeseries":            s.webhookTimeseries,
		// OAuth apps, scopes, clients, grants and signing keys
		"listOauthApps":           s.listOAuthApps,
		"createOauthApp":          s.createOAuthApp,
		"updateOauthApp":          s.updateOAuthApp,
		"verifyOauthAppDomain":    s.verifyOAuthDomain,
		"updateOauthScope":        s.updateOAuthScope,
		"archiveOauthScope":       s.archiveOAuthScope(true),
		"unarchiveOauthScope":     s.archiveOAuthScope(false),
		"setOauthScopeMapping":    s.setOAuthScopeMapping,
		"listOauthClients":        s.listOAuthClients,
		"createOauthClient":       s.createOAuthClient,
		"updateOauthClient":       s.updateOAuthClient,
		"deactivateOauthClient":   s.deactivateOAuthClient,
		"rotateOauthClientSecret": s.rotateOAuthClientSecret,
		"listOauthGrants":         s.listOAuthGrants,
		"revokeOauthGrant":        s.revokeOAuthGrant,
		"listSigningKeys":         s.listSigningKeys,
		"rotateSigningKey":        s.rotateSigningKey,
		"compromiseSigningKey":    s.compromiseSigningKey,
		// Segments
		"listSegments":   s.listSegments,
		"createSegment":  s.createSegment,
		"getSegmentData": s.segmentData,
		"updateSegment":  s.updateSegment,
		"deleteSegment":  s.deleteSegment,
		"assignSegment":  s.assignSegment,
		"removeSegment":  s.removeSegment,
		// Notifications and session tickets
		"createNotification":         s.createNotification,
		"createBackendSessionTicket": s.createSessionTicket,
		// Users
		"getActiveUserList":              s.listUsers,
		"createUser":                     s.createUser,
		"getUserDetails":                 s.getUser,
		"updateUser":                     s.updateUser,
		"deleteUser":                     s.deleteUser,
		"addUserEmail":                   s.addEmail,
		"updateUserEmail":                s.updateEmail,
		"deleteUserEmail":                deleteContact(s, emails),
		"makeUserEmailPrimary":           makeContactPrimary(s, emails),
		"addUserPhone":                   s.addPhone,
		"updateUserPhone":                s.updatePhone,
		"deleteUserPhone":                deleteContact(s, phones),
		"makeUserPhonePrimary":           makeContactPrimary(s, phones),
		"getUserOrganizationMemberships": s.userOrgMemberships,
		"getUserWorkspaceMemberships":    s.userWorkspaceMemberships,
		"updateUserPassword":             s.updatePassword,
		"removeUserPassword":             s.removePassword,
		"getUserSignins":                 s.listSignins,
		"revokeUserSignin":               s.revokeSignin,
		"revokeAllUserSignins":           s.revokeAllSignins,
		// Deployment settings
		"getDeploymentOrganizationRoles": s.deploymentOrgRoles,
		"getDeploymentWorkspaceRoles":    s.deploymentWsRoles,
		// Invitations and waitlist
		"getInvitedUserList":  s.listInvitations,
		"inviteUser":          s.inviteUser,
		"deleteInvitation":    s.deleteInvitation,
		"getUserWaitlist":     s.listWaitlist,
		"approveWaitlistUser": s.approveWaitlist,
		// Organizations
		"getOrganizationList":            s.listOrgs,
		"createOrganization":             s.createOrg,
		"getOrganizationDetails":         s.getOrg,
		"updateOrganization":             s.updateOrg,
		"deleteOrganization":             s.deleteOrg,
		"createWorkspaceForOrganization": s.createWorkspace,
		"getOrganizationMembers":         s.listMembers(orgKind),
		"addOrganizationMember":          s.addMember(orgKind),
		"removeOrganizationMember":       s.removeMember(orgKind),
		"updateOrganizationMember":       s.updateMember(orgKind),
		"addOrganizationMemberRole":      s.memberRole(orgKind, true),
		"removeOrganizationMemberRole":   s.memberRole(orgKind, false),
		"getOrganizationRoles":           s.listRoles(orgKind),
		"createOrganizationRole":         s.createRole(orgKind),
		"updateOrganizationRole":         s.updateRole(orgKind),
		"deleteOrganizationRole":         s.deleteRole(orgKind),
		"listOrganizationInvitations":    s.listOrgInvitations,
		"createOrganizationInvitation":   s.createOrgInvitation,
		"discardOrganizationInvitation":  s.discardOrgInvitation,
		// Workspaces
		"getWorkspaceList":          s.listWorkspaces,
		"getWorkspaceDetails":       s.getWorkspace,
		"updateWorkspace":           s.updateWorkspace,
		"deleteWorkspace":           s.deleteWorkspace,
		"getWorkspaceRoles":         s.listRoles(wsKind),
		"createWorkspaceRole":       s.createRole(wsKind),
		"updateWorkspaceRole":       s.updateRole(wsKind),
		"deleteWorkspaceRole":       s.deleteRole(wsKind),
		"getWorkspaceMembers":       s.listMembers(wsKind),
		"addWorkspaceMember":        s.addMember(wsKind),
		"removeWorkspaceMember":     s.removeMember(wsKind),
		"updateWorkspaceMember":     s.updateMember(wsKind),
		"addWorkspaceMemberRole":    s.memberRole(wsKind, true),
		"removeWorkspaceMemberRole": s.memberRole(wsKind, false),
		// API auth
		"listApiAuthApps":       s.listAPIApps,
		"createApiAuthApp":      s.createAPIApp,
		"getApiAuthApp":         s.getAPIApp,
		"updateApiAuthApp":      s.updateAPIApp,
		"deleteApiAuthApp":      s.deleteAPIApp,
		"listRateLimitSchemes":  s.listSchemes,
		"createRateLimitScheme": s.createScheme,
		"getRateLimitScheme":    s.getScheme,
		"updateRateLimitScheme": s.updateScheme,
		"deleteRateLimitScheme": s.deleteScheme,
		"listApiKeys":           s.listAPIKeys,
		"createApiKey":          s.createAPIKey,
		"revokeApiKeyForApp":    s.revokeAPIKey,
		"rotateApiKeyForApp":    s.rotateAPIKey,
		// Webhooks
		"listWebhookApps":             s.listHookApps,
		"createWebhookApp":            s.createHookApp,
		"getWebhookApp":               s.getHookApp,
		"updateWebhookApp":            s.updateHookApp,
		"deleteWebhookApp":            s.deleteHookApp,
		"rotateWebhookSecret":         s.rotateHookSecret,
		"listWebhookEndpoints":        s.listEndpoints,
		"createWebhookEndpointForApp": s.createEndpoint,
		"updateWebhookEndpointForApp": s.updateEndpoint,
		"deleteWebhookEndpointForApp": s.deleteEndpoint,
		"triggerWebhookEvent":         s.triggerWebhook,
		"testWebhookEndpoint":         s.testEndpoint,
		// AI: agents, tools, knowledge bases
		"getAiAgents":                   s.listAIAgents,
		"createAiAgent":                 s.createAIAgent,
		"getAiAgentById":                s.getAIAgent,
		"updateAiAgent":                 s.updateAIAgent,
		"deleteAiAgent":                 s.deleteAIAgent,
		"getAiAgentDetails":             s.getAIAgentDetails,
		"getAgentSubAgents":             s.listSubAgents,
		"attachSubAgentToAgent":         s.attachSubAgent,
		"detachSubAgentFromAgent":       s.detachSubAgent,
		"setAgentRoleAgent":             s.setRoleAgent,
		"getAiTools":                    s.listAITools,
		"createAiTool":                  s.createAITool,
		"getAiToolById":                 s.getAITool,
		"updateAiTool":                  s.updateAITool,
		"deleteAiTool":                  s.deleteAITool,
		"getAgentTools":                 s.listAgentTools,
		"attachToolToAgent":             s.attachTool,
		"updateAgentToolApprovalAction": s.setToolApproval,
		"detachToolFromAgent":           s.detachTool,
		"listInternalTools":             s.listInternalTools,
		"listAgentSkillsSummary":        s.listAgentSkills,
		"listSkillTree":                 s.listSkillTree,
		"readSkillFile":                 s.readSkillFile,
		"importAgentSkillBundle":        s.importAgentSkill,
		"deleteAgentSkill":              s.deleteAgentSkill,
		"getAiKnowledgeBases":           s.listKnowledgeBases,
		"createAiKnowledgeBase":         s.createKnowledgeBase,
		"getAiKnowledgeBaseById":        s.getKnowledgeBase,
		"updateAiKnowledgeBase":         s.updateKnowledgeBase,
		"deleteAiKnowledgeBase":         s.deleteKnowledgeBase,
		"getKnowledgeBaseDocuments":     s.listKBDocuments,
		"uploadKnowledgeBaseDocument":   s.uploadKBDocument,
		"deleteKnowledgeBaseDocument":   s.deleteKBDocument,
		"getAgentKnowledgeBases":        s.listAgentKBs,
		"attachKnowledgeBaseToAgent":    s.attachKB,
		"detachKnowledgeBaseFromAgent":  s.detachKB,
		// AI: actors, projects, threads, task boards
		"listActors":                                 s.listActors,
		"createActor":                                s.createActor,
		"lookupActor":                                s.lookupActor,
		"listActorProjectsFlat":                      s.listActorProjects,
		"createActorProjectFlat":                     s.createActorProject,
		"searchActorProjects":                        s.searchActorProjects,
		"getActorProjectById":                        s.getActorProject,
		"updateActorProject":                         s.updateActorProject,
		"archiveActorProject":                        s.archiveActorProject(true),
		"unarchiveActorProject":                      s.archiveActorProject(false),
		"listAgentThreads":                           s.listAgentThreads,
		"createAgentThread":                          s.createAgentThread,
		"searchActorProjectThreads":                  s.searchActorThreads,
		"getAgentThreadById":                         s.getAgentThread,
		"updateAgentThread":                          s.updateAgentThread,
		"archiveAgentThread":                         s.archiveAgentThread(true),
		"unarchiveAgentThread":                       s.archiveAgentThread(false),
		"listAssignmentsForThread":                   s.listThreadAssignments,
		"getLatestThreadTaskGraph":                   s.latestTaskGraph,
		"getAgentThreadMessages":                     s.listThreadMessages,
		"listAgentThreadFilesystem":                  s.listThreadFilesystem,
		"getAgentThreadFilesystemFile":               s.threadFile,
		"executeAgentThreadAsync":                    s.executeThread,
		"answerThreadQuestion":                       s.answerThreadQuestion,
		"getProjectTaskBoardByProjectId":             s.getTaskBoard,
		"listProjectTaskBoardItems":                  s.listBoardItems,
		"createProjectTaskBoardItem":                 s.createBoardItem,
		"getProjectTaskBoardItemById":                s.getBoardItem,
		"updateProjectTaskBoardItem":                 s.updateBoardItem,
		"archiveProjectTaskBoardItem":                s.archiveBoardItem(true),
		"unarchiveProjectTaskBoardItem":              s.archiveBoardItem(false),
		"cancelProjectTaskBoardItem":                 s.cancelBoardItem,
		"answerProjectTaskBoardItemQuestion":         s.answerBoardItem,
		"approveProjectTaskBoardItemTool":            s.approveBoardItem,
		"listProjectTaskBoardItemAssignments":        s.listItemAssignments,
		"listProjectTaskBoardItemFilesystem":         s.itemFilesystem,
		"getProjectTaskBoardItemFilesystemFile":      s.itemFile,
		"downloadProjectTaskBoardItemFilesystemFile": s.downloadItemFile,
		"listProjectTaskBoardItemComments":           s.listItemComments,
		"createProjectTaskBoardItemComment":          s.createItemComment,
		"delegateProjectTask":                        s.delegateTask,
		// AI: MCP servers, settings, provider profiles
		"getMcpServers":            s.listMCPServers,
		"createMcpServer":          s.createMCPServer,
		"getMcpServerById":         s.getMCPServer,
		"updateMcpServer":          s.updateMCPServer,
		"deleteMcpServer":          s.deleteMCPServer,
		"discoverMcpServerAuth":    s.discoverMCPAuth,
		"listActorMcpServers":      s.listActorMCPServers,
		"connectActorMcpServer":    s.connectActorMCPServer,
		"disconnectActorMcpServer": s.disconnectActorMCPServer,
		"getAiSettings":            s.getAISettings,
		"updateAiSettings":         s.updateAISettings,
		"listAiProviderProfiles":   s.listProfiles,
		"createAiProviderProfile":  s.createProfile,
		"getAiProviderProfile":     s.getProfile,
		"updateAiProviderProfile":  s.updateProfile,
		"deleteAiProviderProfile":  s.deleteProfile,
		// AI: Composio
		"getComposioConfig":      s.getComposioConfig,
		"updateComposioConfig":   s.updateComposioConfig,
		"listComposioToolkits":   s.listComposioToolkits,
		"listComposioTools":      s.listComposioTools,
		"enableComposioApp":      s.enableComposioApp,
		"disableComposioApp":     s.disableComposioApp,
		"listToolkitAuthConfigs": s.listToolkitAuthConfigs,
		"getToolkitAuthDetails":  s.getToolkitAuthDetails,
	}
}

// listQuery is a list operation's query: limit, offset, search, sort.
type listQuery struct {
	pageParams
	Search  string
	SortKey string // as the operation understands it; "" when not sent
	Desc    bool
}

// sortRule is how one list operation's query struct reads ?sort_key= and
// ?sort_order=. The server has three kinds:
//   - users, invitations and the waitlist parse both with FromStr
//     (models::utils::serde::enum_from_str): sort_key is one of the enum's
//     snake_case names (dto/src/query/deployment.rs:24,50), sort_order is
//     asc or desc exactly (dto/src/query/sort.rs:22); anything else is
//     axum's plain-text 400 for the query string;
//   - organizations and workspaces take both as free strings: an unknown
//     key sorts by created_at (queries/src/b2b.rs:148,268) and sort_order
//     is ascending when it is "asc" in any case, else descending
//     (queries/src/b2b.rs:155,281);
//   - organization and workspace members take free strings too, but only
//     the exact "asc" is ascending (queries/src/b2b.rs:636,791).
//
// In every case the default is created_at, newest first.
type sortRule struct {
	keys      []string // the keys that take effect
	strict    bool     // FromStr: reject other keys and orders
	exactAsc  bool     // only "asc" is ascending (else any case of it)
	noSorting bool     // the operation has no sort parameters
}

var (
	userSort       = sortRule{keys: []string{"created_at", "username", "email", "phone_number"}, strict: true}
	invitationSort = sortRule{keys: []string{"created_at", "email"}, strict: true}
	orgSort        = sortRule{keys: []string{"created_at", "name", "member_count", "updated_at"}}
	workspaceSort  = sortRule{keys: []string{"created_at", "name", "member_count", "updated_at", "organization_name"}}
	memberSort     = sortRule{keys: []string{"first_name", "last_name", "email", "username", "created_at"}, exactAsc: true}
	unsorted       = sortRule{noSorting: true}
)

// listParams is one list operation's query struct: its default limit and
// its sort rule.
type listParams struct {
	defaultLimit int
	sort         sortRule
}

func parseList(r *http.Request, lp listParams) (listQuery, error) {
	q := r.URL.Query()
	lq := listQuery{pageParams: pageParams{Limit: lp.defaultLimit}, Desc: true}
	if q.Has("limit") {
		n, err := strconv.ParseInt(q.Get("limit"), 10, 32)
		if err != nil || n < 0 {
			// A negative limit does not parse where the server's
			// type is usize (users, invitations, waitlist); where it
			// is i32 it parses and then fails in SQL. The emulator
			// refuses it up front everywhere.
			return lq, queryRejection("limit: invalid digit found in string")
		}
		lq.Limit = int(n)
	}
	if q.Has("offset") {
		n, err := strconv.ParseInt(q.Get("offset"), 10, 32)
		if err != nil || n < 0 {
			return lq, queryRejection("offset: invalid digit found in string")
		}
		lq.Offset = int(n)
	}
	lq.Search = strings.TrimSpace(q.Get("search"))
	if lp.sort.noSorting {
		return lq, nil
	}
	key, order := q.Get("sort_key"), q.Get("sort_order")
	if lp.sort.strict {
		if q.Has("sort_key") && !slices.Contains(lp.sort.keys, key) {
			return lq, queryRejection("Invalid sort key")
		}
		if q.Has("sort_order") && order != "asc" && order != "desc" {
			return lq, queryRejection("Invalid sort order")
		}
	}
	if slices.Contains(lp.sort.keys, key) && key != "created_at" {
		lq.SortKey = key
	}
	if lp.sort.exactAsc {
		lq.Desc = order != "asc"
	} else {
		lq.Desc = !strings.EqualFold(order, "asc")
	}
	return lq, nil
}

// queryBool reads an Option<bool> query parameter as serde_urlencoded
// does: absent is false, "true" and "false" are the only values.
func queryBool(r *http.Request, name string) (bool, error) {
	q := r.URL.Query()
	if !q.Has(name) {
		return false, nil
	}
	switch q.Get(name) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, queryRejection(name + ": provided string was not `true` or `false`")
}

// listResponse is the server's list envelope, PaginatedResponse
// (platform/src/application/response.rs:121): data and has_more always,
// limit and offset only when the list was paginated (skip_serializing_if
// Option::is_none); there is no total.
type listResponse[T any] struct {
	Data    []T  `json:"data"`
	HasMore bool `json:"has_more"`
	Limit   *int `json:"limit,omitempty"`
	Offset  *int `json:"offset,omitempty"`
}

// listOf is paginate_results (platform/src/api/pagination.rs:5): the
// server fetches limit+1 rows and has_more says whether the extra one
// came back; limit and offset echo the request's (or their defaults).
func listOf[T any](all []T, p pageParams) listResponse[T] {
	page := paginate(all, p)
	return listResponse[T]{Data: page, HasMore: p.Offset+len(page) < len(all), Limit: ptr(p.Limit), Offset: ptr(p.Offset)}
}

// whole is PaginatedResponse::from(Vec) (response.rs:139): a list the
// server does not paginate is {data, has_more: false}, with no limit or
// offset.
func whole[T any](all []T) listResponse[T] {
	if all == nil {
		all = []T{}
	}
	return listResponse[T]{Data: all}
}

// listing describes a paginated list operation: which records it shows,
// how ?search= and ?sort_key= apply to them, and how each is rendered.
type listing[T, V any] struct {
	// keep, if set, selects the records the list may show at all.
	keep func(T) bool
	// haystack is the text ?search= looks in (case-insensitively); nil
	// means the operation has no search and the parameter is ignored.
	haystack func(T) string
	// order sorts the selected records as lq asks; an unknown sort key is
	// the error to answer with.
	order func(items []T, lq listQuery) error
	view  func(T) V
}

// serve answers the page lq asks for out of items.
func (l listing[T, V]) serve(w http.ResponseWriter, lq listQuery, items iter.Seq[T]) error {
	var all []T
	for it := range items {
		if l.keep != nil && !l.keep(it) {
			continue
		}
		if l.haystack != nil && lq.Search != "" && !containsFold(l.haystack(it), lq.Search) {
			continue
		}
		all = append(all, it)
	}
	if err := l.order(all, lq); err != nil {
		return err
	}
	return ok(w, listOf(viewsOf(all, l.view), lq.pageParams))
}

// sortValue is one record's value for a sort key. A null value sorts as
// Postgres sorts NULL: after every value ascending, so before every value
// descending.
type sortValue struct {
	str  string
	num  int
	null bool
}

func text(s string) sortValue { return sortValue{str: s} }

func textOrNull(s *string) sortValue {
	if s == nil {
		return sortValue{null: true}
	}
	return sortValue{str: *s}
}

func number(n int) sortValue { return sortValue{num: n} }

func compareSortValues(a, b sortValue) int {
	switch {
	case a.null || b.null:
		if a.null == b.null {
			return 0
		}
		if a.null {
			return 1
		}
		return -1
	case a.num != b.num:
		return a.num - b.num
	}
	return strings.Compare(a.str, b.str)
}

// orderBy sorts by the list's sort key (one of keys; created_at or none
// is creation order) and direction; records with equal values keep
// creation order, so every answer is deterministic.
func orderBy[T record](keys map[string]func(T) sortValue) func([]T, listQuery) error {
	return func(items []T, lq listQuery) error {
		val := keys[lq.SortKey]
		slices.SortFunc(items, func(a, b T) int {
			if val != nil {
				if c := compareSortValues(val(a), val(b)); c != 0 {
					return c
				}
			}
			return byCreation(a, b)
		})
		if lq.Desc {
			slices.Reverse(items)
		}
		return nil
	}
}

// creationOrder is the order of lists without sort parameters: oldest
// first, whatever the query says.
func creationOrder[T record](items []T, _ listQuery) error {
	slices.SortFunc(items, byCreation)
	return nil
}

// locked runs fn holding the store lock.
func (s *Server) locked(fn func(st *store) error) error {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	return fn(st)
}

// listed parses the list query, then runs fn holding the store lock.
func (s *Server) listed(r *http.Request, lp listParams, fn func(st *store, lq listQuery) error) error {
	lq, err := parseList(r, lp)
	if err != nil {
		return err
	}
	return s.locked(func(st *store) error { return fn(st, lq) })
}

// within runs fn holding the store lock, on the record that the path value
// param names; lookup's error (a 404) is answered when there is none.
// Request bodies are read before: a malformed body is a 400 even for a
// missing record.
func within[T any](s *Server, r *http.Request, param string, lookup func(*store, string) (T, error), fn func(st *store, v T) error) error {
	return s.locked(func(st *store) error {
		v, err := lookup(st, r.PathValue(param))
		if err != nil {
			return err
		}
		return fn(st, v)
	})
}

// assign sets *dst from an optional request field; an absent one (nil)
// leaves it as it is.
func assign[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

type empty struct{}

func ok(w http.ResponseWriter, v any) error {
	writeJSON(w, http.StatusOK, v)
	return nil
}

// getDeployment describes the emulated deployment. The server answers
// DeploymentWithSettings (models/src/deployment.rs:122): the deployment
// with its auth, UI, B2B, restriction, DNS and mail settings, every one
// always written. The emulator has no settings of its own, so it serves
// the server-shaped body of the wire audit's fixture for this operation
// (internal/contract/corrections), with this emulator's id, hosts and
// publishable key put in.
func (s *Server) getDeployment(w http.ResponseWriter, r *http.Request) error {
	return s.locked(func(st *store) error {
		body, _ := deepCopy(st.deployment).(map[string]any)
		body["backend_host"] = strings.TrimPrefix(s.BackendURL, "http://")
		body["frontend_host"] = strings.TrimPrefix(s.FrontendURL, "http://")
		body["mail_from_host"] = strings.TrimPrefix(s.FrontendURL, "http://")
		body["publishable_key"] = s.PublishableKey
		return ok(w, body)
	})
}

// deploymentBody is a fresh copy of the audit's GET / fixture, with the
// emulator's deployment id, a staging mode and the seed epoch as its
// times. Its settings change with the settings operations.
func deploymentBody() (map[string]any, error) {
	set, err := corrections.Load()
	if err != nil {
		return nil, err
	}
	for _, fx := range set.Fixtures {
		if fx.Operation == "GET /" && fx.Status == http.StatusOK {
			var body map[string]any
			if err := json.Unmarshal(fx.Body, &body); err != nil {
				return nil, fmt.Errorf("wachttest: the GET / fixture: %w", err)
			}
			fixtureID, _ := body["id"].(string)
			replaceDeploymentID(body, fixtureID)
			body["id"] = DeploymentID
			body["created_at"], body["updated_at"] = seedEpoch, seedEpoch
			body["mode"] = "staging"
			return body, nil
		}
	}
	return nil, errors.New("wachttest: the wire audit has no GET / fixture to describe the deployment with")
}

// replaceDeploymentID puts the emulator's deployment id wherever the
// fixture names its own.
func replaceDeploymentID(node any, fixtureID string) {
	switch n := node.(type) {
	case map[string]any:
		for k, v := range n {
			if k == "deployment_id" && v == fixtureID {
				n[k] = DeploymentID
				continue
			}
			replaceDeploymentID(v, fixtureID)
		}
	case []any:
		for _, v := range n {
			replaceDeploymentID(v, fixtureID)
		}
	}
}
