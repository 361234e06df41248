build2/obj/grader/course.o: grader/course.c grader/course.h \
 grader/check.h labvm/modrun.h labvm/vm.h labvm/lab.h common/util.h \
 labvm/proto.h common/run.h common/util.h grader/store.h
grader/course.h:
grader/check.h:
labvm/modrun.h:
labvm/vm.h:
labvm/lab.h:
common/util.h:
labvm/proto.h:
common/run.h:
common/util.h:
grader/store.h:
