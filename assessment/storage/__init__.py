"""Every query the app makes, behind named functions, one module per job:

- db: the connection, the pool, write transactions, the schema migrations, backup;
- accounts: trainers, API tokens, the sign-in throttle;
- teams: teams, invite codes, members, removing them;
- results: saving and reading results, team aggregates, rescoring;
- practice: "read the caller" practice attempts;
- staff: roles, disabled accounts, staff shared on teams, ability ratings;
- members: who a member is (member keys, result tokens), duplicates and merging; ids never reused.
- calls: call transcripts of members (masked) and their figures.

Callers use `storage.<name>`; the package names each public function once here.
"""

from .accounts import (
    UsernameTaken, api_tokens_for, clear_login_failures, create_api_token, create_trainer, end_sessions,
    failures_since, last_login_failure, login_failures_since, record_login_failure, revoke_api_tokens, set_password, trainer_by_api_token,
    trainer_by_id, trainer_by_username,
)
from .db import BUSY_TIMEOUT_MS, Pool, backup, connect, migrate, migrations, new_token, now, write_transaction
from .norms import rebuild_norms
from .practice import add_practice_attempt, practice_attempt_count, team_practice_attempts
from .raters import (
    LEAD_ROLES, MAX_LINKS, AlreadyAnswered, LinkLimit, PeersNeedATeam, RaterScope, answer_link, rated_before, answered_ratings, create_link,
    latest_response_id, latest_valid_response, link_by_token, links_made, rating_counts, save_trainer_rating,
    team_ratings, team_self_views,
)
from .results import (
    SORTS, LatestResults, RescoreReport, Scope, TeamGone, agent_responses, profile_columns, profile_of,
    reliability_sample, rescore, response_by_token, result_count, save_response, scope_responses, team_members,
    token_exists,
)
from .staff import (
    ROLES, TEAM_ROLES, StaffError, add_team_staff, agent_ability_ratings, list_accounts, remove_team_staff,
    response_self_ratings, save_ability_rating, set_disabled, set_role, team_agents, team_latest_ratings,
    team_rating_periods, team_staff,
)
from .members import (
    KEYS_KEPT, keys_cookie, member_by_keys, member_of_token, merge_members, new_member_key, parse_keys,
    possible_duplicates, rater_key,
)
from .teams import (
    CODE_ALPHABET, CODE_LENGTH, TEAM_CREATORS, Membership, agent_for, create_team, delete_agent, delete_team, member_count,
    new_invite_code, normalise_code, rename_team, team_by_code, team_exists, team_for, team_of_member, teams_for,
)
from . import m011  # noqa: E402,F401  (registers the m011 migrations after all the others)
# Then calls: its migration (m012) registers after the ones it builds on.
from .calls import (
    AlreadyImported, NewCall, agent_calls, agents_by_employee_id, all_call_metrics, call_count, call_for,
    calls_to_reanalyse, delete_call, purge_calls, save_call, save_calls, team_call_periods, team_calls,
    team_content_keys, update_analyses,
)
