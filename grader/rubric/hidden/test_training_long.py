"""Hidden: the longer word2vec run, its neighbours, and determinism."""

import pytest

from grader import training


@pytest.mark.training
@pytest.mark.points(6)
def test_long_training_follows_reference(sub):
    """a longer word2vec run with your ops follows the reference loss curve"""
    training.check_trajectory(sub, "long")


@pytest.mark.training
@pytest.mark.points(3)
def test_long_training_neighbours(sub):
    """after the longer run, nearest neighbours mostly share the word's class"""
    training.check_neighbours(sub, "long")


@pytest.mark.training
@pytest.mark.points(2)
def test_training_is_deterministic(sub):
    """the same seed twice gives identical losses and embeddings"""
    training.check_deterministic(sub, "short")
