/**
 * Registers the AWS adapter of every port. Handlers do not import this: each imports only the registrations under
 * `./aws/` for the ports its code resolves, so its bundle carries only those adapters and SDK clients. This module
 * is for tools and tests that want every port available.
 */
import './aws/agents-knowledge';
import './aws/agents-knowledge-sources';
import './aws/agents-llm';
import './aws/agents-logs';
import './aws/agents-topology';
import './aws/agents-triage-model';
import './aws/archive';
import './aws/governance-approval-links';
import './aws/governance-audit';
import './aws/governance-audit-export';
import './aws/governance-runbooks';
import './aws/governance-scheduler';
import './aws/itsm';
import './aws/notifier';
import './aws/secrets';
import './aws/store';
import './aws/workflow';
