"""End to end: word2vec trained with your ops follows the reference run."""

import pytest

from grader import training


@pytest.mark.training
@pytest.mark.points(6)
def test_training_follows_reference(sub):
    """a short word2vec run with your ops follows the reference loss curve"""
    training.check_trajectory(sub, "short")


@pytest.mark.training
@pytest.mark.points(2)
def test_training_neighbours(sub):
    """after the short run, nearest neighbours are mostly words of the same class"""
    training.check_neighbours(sub, "short")
