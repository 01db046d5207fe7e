"""Shared by the fastrender equivalence tests: both renders must agree on everything."""


def assert_same(copier, fast):
    (c_result, c_tree), (f_result, f_tree) = copier, fast
    assert sorted(f_tree) == sorted(c_tree)
    for path in c_tree:
        assert f_tree[path] == c_tree[path], path
    assert list(f_result.answers.items()) == list(c_result.answers.items())
    assert (f_result.version, f_result.commit) == (c_result.version, c_result.commit)
    assert f_result.files == c_result.files
    assert f_result.skip_if_exists == c_result.skip_if_exists
    assert f_result.skip_if_deleted == c_result.skip_if_deleted


def files_only(tree):
    """A snapshot's regular files as {path: (mode, bytes)}, the shape of `render_files`."""
    return {path: (mode, data) for path, (is_dir, mode, data) in tree.items() if not is_dir}


def in_memory(files):
    """`render_files`' blobs in the same shape."""
    return {path: (blob.mode, blob.data) for path, blob in files.items()}
