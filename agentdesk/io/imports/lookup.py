"""What an import resolves names against: the target's teams, agents and products (read once),
customers and orders (fetched per chunk), and what the file itself has added so far."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TeamRef:
    id: str
    code: str
    name_en: str
    name_zh: str
    kind: str = "front_line"


@dataclass(frozen=True)
class AgentRef:
    id: str
    username: str
    display_name: str
    role: str = "agent"
    team_id: str = ""
    language: str = "zh-CN"
    active: bool = True


@dataclass(frozen=True)
class ProductRef:
    id: str
    sku: str
    name_en: str
    name_zh: str


@dataclass
class Lookup:
    teams: dict[str, str] = field(default_factory=dict)
    agents: dict[str, str] = field(default_factory=dict)
    products: dict[str, str] = field(default_factory=dict)
    team_codes: dict[str, str] = field(default_factory=dict)  # code → id
    team_refs: dict[str, TeamRef] = field(default_factory=dict)  # id → the team as it is
    usernames: dict[str, str] = field(default_factory=dict)  # username → id
    agent_refs: dict[str, AgentRef] = field(default_factory=dict)  # id → the agent as it is
    # per chunk, filled by the target: stored external id → customer id; order number → id
    customers_by_external: dict[str, str] = field(default_factory=dict)
    customers_by_phone: dict[str, str] = field(default_factory=dict)  # phone as stored → id
    orders: dict[str, str] = field(default_factory=dict)
    tickets: dict[str, str] = field(default_factory=dict)  # number → id (this chunk's)
    customer_ids: set[str] = field(default_factory=set)  # known to exist (target or file)
    # (kind, the source's key) → id: what earlier imports from this source became (import_key)
    aliases: dict[tuple[str, str], str] = field(default_factory=dict)
    new_aliases: list[tuple[str, str, str]] = field(default_factory=list)  # to remember

    @classmethod
    def of(
        cls, teams: Iterable[TeamRef], agents: Iterable[AgentRef], products: Iterable[ProductRef]
    ) -> Lookup:
        found = cls()
        for team in teams:
            found.add_team(team)
        for agent in agents:
            found.add_agent(agent)
        for product in products:
            for name in (product.id, product.sku, product.name_en, product.name_zh):
                found.products.setdefault(name.casefold(), product.id)
        return found

    def add_team(self, team: TeamRef) -> None:
        self.team_codes[team.code] = team.id
        self.team_refs[team.id] = team
        for name in (team.id, team.code, team.name_en, team.name_zh):
            if name:
                self.teams[name.casefold()] = team.id

    def add_agent(self, agent: AgentRef) -> None:
        self.usernames[agent.username] = agent.id
        self.agent_refs[agent.id] = agent
        for name in (agent.id, agent.username, agent.display_name):
            if name:
                self.agents[name.casefold()] = agent.id

    def remember(self, kind: str, key: str, ident: str) -> None:
        """`key` in this source stands for row `ident` (written with the row)."""
        if self.aliases.get((kind, key)) != ident:
            self.aliases[(kind, key)] = ident
            self.new_aliases.append((kind, key, ident))

    def take_new_aliases(self) -> list[tuple[str, str, str]]:
        taken, self.new_aliases = self.new_aliases, []
        return taken

    def team(self, value: str, *aliases: str) -> str | None:
        """A team by id, code or either name; `aliases` are ids the value may stand for."""
        return self._find(self.teams, value, aliases)

    def agent(self, value: str, *aliases: str) -> str | None:
        return self._find(self.agents, value, aliases)

    def product(self, value: str) -> str | None:
        return self.products.get(value.casefold())

    @staticmethod
    def _find(names: dict[str, str], value: str, aliases: tuple[str, ...]) -> str | None:
        for alias in aliases:
            if alias and alias in names:
                return names[alias]
        return names.get(value.casefold())
