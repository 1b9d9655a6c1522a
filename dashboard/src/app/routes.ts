import type { ComponentType } from 'react';
import { AgentDetailPage } from '../pages/AgentDetailPage';
import { AgentsPage } from '../pages/AgentsPage';
import { ApprovalsPage } from '../pages/ApprovalsPage';
import { AttentionPage } from '../pages/AttentionPage';
import { AuditPage } from '../pages/AuditPage';
import { CostsPage } from '../pages/CostsPage';
import { EventsPage } from '../pages/EventsPage';
import { HostsPage } from '../pages/HostsPage';
import { McpPage } from '../pages/McpPage';
import { MessagesPage } from '../pages/MessagesPage';
import { OverviewPage } from '../pages/OverviewPage';
import { RegistryPage } from '../pages/RegistryPage';
import { TasksPage } from '../pages/TasksPage';

/** The pages, in menu order. Routes without `icon` are not in the menu. */
export interface RouteDef {
  path: string;
  title: string;
  icon?: string;
  page: ComponentType<{ params: Record<string, string> }>;
  /** only these roles see it in the menu (the page itself says why to anyone else) */
  roles?: readonly string[];
}

export const ROUTES: RouteDef[] = [
  { path: '/', title: 'Overview', icon: 'pi pi-home', page: OverviewPage },
  { path: '/attention', title: 'Needs you', icon: 'pi pi-bell', page: AttentionPage },
  { path: '/agents', title: 'Agents', icon: 'pi pi-users', page: AgentsPage },
  { path: '/agents/:id', title: 'Agent', page: AgentDetailPage },
  { path: '/tasks', title: 'Tasks', icon: 'pi pi-check-square', page: TasksPage },
  { path: '/messages', title: 'Messages', icon: 'pi pi-comments', page: MessagesPage },
  { path: '/approvals', title: 'Approvals', icon: 'pi pi-shield', page: ApprovalsPage },
  { path: '/registry', title: 'Registry', icon: 'pi pi-history', page: RegistryPage },
  { path: '/mcp', title: 'MCP services', icon: 'pi pi-box', page: McpPage },
  { path: '/costs', title: 'Costs', icon: 'pi pi-dollar', page: CostsPage },
  { path: '/audit', title: 'Audit', icon: 'pi pi-list', page: AuditPage, roles: ['operator', 'admin'] },
  { path: '/hosts', title: 'Hosts & queues', icon: 'pi pi-server', page: HostsPage },
  { path: '/events', title: 'Live events', icon: 'pi pi-bolt', page: EventsPage },
];
