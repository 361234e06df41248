build2/obj/grader/class.o: grader/class.c grader/class.h grader/course.h \
 grader/store.h grader/bundle.h grader/check.h labvm/modrun.h labvm/vm.h \
 labvm/lab.h common/util.h labvm/proto.h common/run.h common/util.h \
 labvm/lab.h
grader/class.h:
grader/course.h:
grader/store.h:
grader/bundle.h:
grader/check.h:
labvm/modrun.h:
labvm/vm.h:
labvm/lab.h:
common/util.h:
labvm/proto.h:
common/run.h:
common/util.h:
labvm/lab.h:
