"""Fleet rollout: update many children, push a branch each and open or refresh one PR each."""
