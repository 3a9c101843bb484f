"""The cascade stages of the plan (`Study.stages`; rules/train.smk): one model per backbone and
chain of `training.chains`, each starting from its parent chain's model or the face weights."""

from __future__ import annotations

from agecascade.plan import paths, settings
from agecascade.plan.starts import crop, start_model, training_inputs
from agecascade.vocabulary import CHAINS, chain_dataset, parent_chain


class StagePlan:
    """The cascade stage models of a config."""

    def __init__(self, config: dict):
        self.config = config
        self.chains = list(CHAINS)

    def models(self) -> list[str]:
        """Every cascade stage model of `training.chains`."""
        return [paths.STAGE_MODEL.format(backbone=backbone, chain=chain)
                for backbone, chains in self.config["training"]["chains"].items() for chain in chains]

    def start(self, backbone: str, chain: str) -> str | None:
        """The parent chain's model, the keras-vggface weights, or None (random initialisation)."""
        return start_model(self.config, backbone, parent_chain(chain))

    def inputs(self, wildcards) -> dict:
        """A stage's dataset and what it starts from."""
        dataset = chain_dataset(wildcards.chain)
        return training_inputs(dataset, dataset, self.start(wildcards.backbone, wildcards.chain))

    def job(self, wildcards) -> dict:
        """`params.job` of a train_stage job (`agecascade.training.TrainingJob.from_rule`)."""
        backbone, chain = wildcards.backbone, wildcards.chain
        start = self.start(backbone, chain)
        record = {**crop(self.config), "chain": chain, "dataset": chain_dataset(chain),
                  "start": start or "random initialisation"}
        return {"backbone": backbone, "settings": settings.stage_settings(self.config, backbone, chain),
                "record": record, "backup": paths.STAGE_BACKUP.format(backbone=backbone, chain=chain)}

    def grid_choice(self, wildcards) -> dict:
        """The grid search's choice for the stage, when the grid search is enabled."""
        if not self.config["gridsearch"]["enabled"]:
            return {}
        searched = paths.STAGE_GRID_SEARCHED.format(backbone=wildcards.backbone, chain=wildcards.chain)
        return {"gridsearch": paths.GRID_CHOICE.format(searched=searched)}
