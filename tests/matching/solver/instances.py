"""Small random instances for the solver tests (pure, seeded)."""

from __future__ import annotations

import random

from matching.solver.domain import Block, Community, Need, Problem, Resource

PATTERNS = ((0, 1, 2, 3, 4, 5, 6), (0, 1, 2, 3, 4), (5, 6), (2,))
BLOCKS = {
    "CANTEEN": [(690, 750, False), (720, 780, False)],
    "PARKING": [(1140, 450, True)],
    "HALL": [(540, 660, False), (840, 960, False)],
    "BATHHOUSE": [(1080, 1200, False)],
    "OTHER": [(600, 720, False)],
}
WINDOWS = {
    "CANTEEN": [(660, 750, False), (690, 720, False), (720, 810, False)],
    "PARKING": [(1110, 480, True), (1140, 420, True)],
    "HALL": [(540, 720, False), (780, 1020, False), (540, 1020, False)],
    "BATHHOUSE": [(1020, 1260, False)],
    "OTHER": [(540, 780, False)],
}


def random_problem(
    seed: int,
    n_comm: int = 5,
    n_res: int = 6,
    n_needs: int = 12,
    categories: tuple[str, ...] = ("CANTEEN", "PARKING", "HALL", "BATHHOUSE"),
    span_deg: float = 0.02,
    pattern: tuple[int, ...] | None = None,
) -> Problem:
    rng = random.Random(seed)
    lat0, lon0 = 39.91, 116.36
    comms = tuple(
        Community(f"c{i}", lat0 + rng.random() * span_deg, lon0 + rng.random() * span_deg)
        for i in range(n_comm)
    )
    resources = []
    for i in range(n_res):
        cat = rng.choice(categories)
        blocks = []
        for b, (s, e, nd) in enumerate(rng.sample(BLOCKS[cat], k=rng.randint(1, len(BLOCKS[cat])))):
            cap = 1 if cat == "HALL" else rng.randint(0, 40)
            sex = rng.choice(("ANY", "MALE", "FEMALE")) if cat == "BATHHOUSE" else "ANY"
            days = rng.choice(((0, 1, 2, 3, 4, 5, 6), (0, 1, 2, 3, 4), (0, 1, 2, 3, 4, 5, 6)))
            blocks.append(Block(b, days, s, e, nd, cap, sex))
        resources.append(
            Resource(
                f"r{i}",
                cat,
                lat0 + rng.random() * span_deg,
                lon0 + rng.random() * span_deg,
                tuple(blocks),
                capacity=rng.choice((10, 30, 80)) if cat == "HALL" else 0,
                target_group=rng.choice(("ANYONE", "ANYONE", "ELDERLY")),
                unit_key=f"u{i % 3}",
            )
        )
    needs = []
    for i in range(n_needs):
        cat = rng.choice(categories)
        s, e, nd = rng.choice(WINDOWS[cat])
        needs.append(
            Need(
                f"n{i:03d}",
                rng.choice(comms).key,
                cat,
                rng.randint(1, 60) if cat != "HALL" else rng.randint(5, 60),
                pattern or rng.choice(PATTERNS),
                s,
                e,
                nd,
                rng.choice(("ANYONE", "ELDERLY")),
                rng.choice((800, 1500, 2500)),
                rng.randint(1, 5),
                rng.choice(("ANY", "MALE", "FEMALE")) if cat == "BATHHOUSE" else "ANY",
            )
        )
    return Problem(comms, tuple(resources), tuple(needs))
