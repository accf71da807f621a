"""Watts' threshold model in Mesa 3, for benches/peers/run.sh.

10,000 agents on an Erdos-Renyi graph of mean degree 8 (networkx
fast_gnp_random_graph: the same G(n, p) model as erdos_renyi_graph, built in
time linear in the ties), relative threshold 0.18, one random initial
adopter, permanent adoption, 50 synchronous steps.

Written as the Mesa 3 examples write such models (Conway's Game of Life,
Virus on a Network): FixedAgent on a discrete_space.Network, neighbours
through self.cell.neighborhood.agents, and a synchronous update in two
passes: every agent computes its next state (determine_state), then every
agent applies it (assume_state), through model.agents.do. Only the 50 steps
are timed, not building the graph or the model.

Usage: python watts_mesa.py [REPS] [AGENTS] [DEGREE] [STEPS]
Prints key=value lines: seconds per run (50 steps), agent-steps per second,
edges (agent-neighbour reads) per second, mean final adopters.
"""

import sys
import time

import mesa
import networkx as nx
from mesa.discrete_space import FixedAgent, Network


class WattsAgent(FixedAgent):
    """Adopts once the share of adopting neighbours reaches its threshold."""

    def __init__(self, model, cell, threshold):
        super().__init__(model)
        self.cell = cell
        self.threshold = threshold
        self.adopted = False
        self._next = False

    def determine_state(self):
        if self.adopted:
            self._next = True
            return
        total = adopting = 0
        for neighbour in self.cell.neighborhood.agents:
            total += 1
            adopting += neighbour.adopted
        self._next = total > 0 and adopting / total >= self.threshold

    def assume_state(self):
        self.adopted = self._next


class WattsModel(mesa.Model):
    def __init__(self, n=10_000, mean_degree=8.0, threshold=0.18, adopters=1, seed=None):
        super().__init__(seed=seed)
        graph = nx.fast_gnp_random_graph(n, mean_degree / (n - 1), seed=seed)
        self.grid = Network(graph, capacity=1, random=self.random)
        WattsAgent.create_agents(self, n, list(self.grid.all_cells), threshold)
        for agent in self.random.sample(list(self.agents), adopters):
            agent.adopted = True
        self.ties = 2 * graph.number_of_edges()

    def step(self):
        self.agents.do("determine_state")
        self.agents.do("assume_state")


def main():
    args = sys.argv[1:]
    reps = int(args[0]) if len(args) > 0 else 3
    n = int(args[1]) if len(args) > 1 else 10_000
    degree = float(args[2]) if len(args) > 2 else 8.0
    steps = int(args[3]) if len(args) > 3 else 50
    seconds = 0.0
    ties = 0
    adopters = 0
    for r in range(reps):
        model = WattsModel(n=n, mean_degree=degree, seed=2002 + r)
        t = time.perf_counter()
        for _ in range(steps):
            model.step()
        seconds += time.perf_counter() - t
        ties += model.ties
        adopters += sum(1 for a in model.agents if a.adopted)
    print(f"mesa_version={mesa.__version__}")
    print(f"reps={reps}")
    print(f"agents={n}")
    print(f"ties_per_agent={ties / reps / n:.3f}")
    print(f"mean_final_adopters={adopters / reps:.1f}")
    print(f"mesa_seconds_per_run={seconds / reps:.6f}")
    print(f"mesa_agent_steps_per_second={n * steps * reps / seconds:.0f}")
    print(f"mesa_edges_per_second={ties * steps / seconds:.0f}")


if __name__ == "__main__":
    main()
